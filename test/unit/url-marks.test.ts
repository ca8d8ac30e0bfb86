// What a reader does not click (images, tracking pixels, stylesheets, fonts, scripts, frames, forms), the
// domain a link's text shows, data: URIs, and where an HTML body's text sits in its source.
import { describe, expect, it } from "vitest";
import { findLinksInHtml, findMessageUrlDetails, htmlOffsetOfText } from "../../src/sdk/index.js";

describe("findMessageUrlDetails marks", () => {
  const html = [
    '<html><head><link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto">',
    '<link rel="preload" as="font" href="https://cdn.example.test/f/roboto">',
    '<link href="https://cdn.example.test/site.css?v=2">',
    '<link rel="icon" href="https://www.example.test/favicon.ico">',
    '<script src="https://cdn.example.test/app.js"></script></head>',
    '<body background="https://cdn.example.test/bg.jpg">',
    '<a href="https://evil.test/login">www.paypal.com</a> <a href="https://www.paypal.com/signin">https://paypal.com/</a>',
    '<a href="https://evil.test/more">Read <b>more</b></a>',
    '<img src="https://cdn.example.test/logo.png"><img src="https://t.example.test/o.gif" width="1" height="1">',
    '<iframe src="https://frame.example.test/x"></iframe><form action="https://post.example.test/p"></form>',
    '<link rel="prefetch" href="https://fonts.gstatic.com/s/roboto/v30/a.woff2?x=1">',
    '<a href="data:text/html;base64,PGI+">open</a><img src="DATA:image/png;base64,AAAA"><iframe src=" data:text/html,hi"></iframe>',
    "</body></html>",
  ].join("");
  const { found, dataUris } = findMessageUrlDetails({ html });
  const by = (url: string) => found.find((item) => item.url === url);

  it("names each resource's kind, and leaves clickable links without one", () => {
    expect(by("https://fonts.googleapis.com/css2?family=Roboto")?.resource).toBe("stylesheet");
    expect(by("https://cdn.example.test/f/roboto")?.resource).toBe("font");
    expect(by("https://cdn.example.test/site.css?v=2")?.resource).toBe("stylesheet");
    expect(by("https://www.example.test/favicon.ico")?.resource).toBe("image");
    expect(by("https://cdn.example.test/app.js")?.resource).toBe("script");
    expect(by("https://cdn.example.test/bg.jpg")?.resource).toBe("image");
    expect(by("https://cdn.example.test/logo.png")?.resource).toBe("image");
    expect(by("https://t.example.test/o.gif")).toMatchObject({ resource: "tracking-pixel", trackingPixel: true });
    expect(by("https://frame.example.test/x")?.resource).toBe("frame");
    expect(by("https://post.example.test/p")?.resource).toBe("form");
    // A font's ending: a font whatever loads it.
    expect(by("https://fonts.gstatic.com/s/roboto/v30/a.woff2?x=1")?.resource).toBe("font");
    expect(by("https://evil.test/login")?.resource).toBeUndefined();
  });

  it("names the domain a link's text shows when the link goes elsewhere, and only then", () => {
    expect(by("https://evil.test/login")?.linkTextDomain).toBe("paypal.com");
    expect(by("https://www.paypal.com/signin")?.linkTextDomain).toBeUndefined();
    expect(by("https://evil.test/more")?.linkTextDomain).toBeUndefined();
  });

  it("counts data: URIs without keeping them, but not an image inlined as data:", () => {
    // The link and the frame carry a page; the PNG is a picture, as mailers inline them.
    expect(dataUris).toBe(2);
    expect(found.some((item) => item.url.toLowerCase().startsWith("data:"))).toBe(false);
  });
});

describe("findLinksInHtml", () => {
  it("keeps each visible link's text, bounded", () => {
    const links = findLinksInHtml(
      `<a href="https://a.test/">one <i>two</i></a><a href="https://b.test/">${"x".repeat(5000)}</a><area href="https://c.test/">`,
    );
    expect(links.links).toEqual(["https://a.test/", "https://b.test/", "https://c.test/"]);
    expect(links.linkTexts[0]).toBe("one two");
    expect(links.linkTexts[1]).toHaveLength(300);
    expect(links.linkTexts[2]).toBe("");
  });

  it("says where in the source a piece of its text starts", () => {
    const html = '<div>Hello &amp; welcome <img src="logo.png"></div><p>-- cut here --</p><p>below</p>';
    const links = findLinksInHtml(html);
    const at = links.text.indexOf("-- cut here --");
    expect(html.slice(htmlOffsetOfText(links, at).html)).toBe("-- cut here --</p><p>below</p>");
    // Between pieces (the line break a tag stands for): the next piece, so the image above stays above.
    expect(html.slice(htmlOffsetOfText(links, at - 1).html)).toBe("-- cut here --</p><p>below</p>");
    // Inside a piece: its start, and that it is inside.
    expect(htmlOffsetOfText(links, links.text.indexOf("welcome"))).toEqual({ html: html.indexOf(" welcome"), inside: true });
    expect(htmlOffsetOfText(links, links.text.length + 5, html.length)).toEqual({ html: html.length, inside: false });
  });
});
