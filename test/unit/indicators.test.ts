// The indicator functions on their own: URLs (plain, defanged, HTML), domains, IPs, files, auth verdicts.
import LinkifyIt from "linkify-it";
import { describe, expect, it } from "vitest";
import {
  combineAuthenticationResults,
  describeFile,
  describeHost,
  findDefangedUrls,
  findIpsInText,
  findLinksInHtml,
  findMessageUrls,
  findUrlsInText,
  isPrivateIp,
  isWebUrl,
  parseAuthenticationResults,
  refang,
  sniffType,
  trimUrl,
  typeMismatch,
} from "../../src/indicators/index.js";
import { normaliseUrl } from "../../src/indicators/urls.js";
import { random } from "../support/phish-corpus.js";
import { decodeBytes, decodeHeaderText, repairC1, repairHeaderBytes } from "../../integrations/email/lib/decode.js";

describe("URLs in text", () => {
  it("cuts trailing punctuation and unbalanced closing brackets but keeps balanced ones", () => {
    expect(trimUrl("https://a.test/x.")).toBe("https://a.test/x");
    expect(trimUrl("https://a.test/x),")).toBe("https://a.test/x");
    expect(trimUrl("https://a.test/wiki/A_(b)")).toBe("https://a.test/wiki/A_(b)");
    expect(trimUrl("https://a.test/q?x=1...")).toBe("https://a.test/q?x=1");
  });

  it("refangs hxxp, [.], (.), [:]// and [dot] and says where", () => {
    const { text, marks } = refang("go hxxps://evil[.]test/a");
    expect(text).toBe("go https://evil.test/a");
    expect(marks.length).toBe(2);
    expect(findDefangedUrls("x hxxp://a(.)b[.]test/p and c[dot]com/q and https[:]//d[.]test")).toEqual([
      "http://a.b.test/p",
      "http://c.com/q",
      "https://d.test",
    ]);
  });

  it("does not report plain text as defanged", () => {
    expect(findDefangedUrls("see https://plain.test/x (.) and a list [.]")).toEqual([]);
  });

  it("finds only web URLs, with scheme and host in lower case", () => {
    expect(findUrlsInText("HTTPS://Upper.TEST/Path mailto:a@b.test ftp://f.test/x javascript:alert(1)")).toEqual([
      "https://upper.test/Path",
      "ftp://f.test/x",
    ]);
  });

  it("finds what linkify-it finds in the whole text, though it only reads the runs around a '://'", () => {
    // The reference: linkify-it over the whole text at once, as the text was read before.
    const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });
    const reference = (text: string) => (linkify.match(text) ?? []).map((m) => trimUrl(normaliseUrl(m.url))).filter(isWebUrl);
    const PIECES = [
      "see",
      "https://a.test/x",
      "http://b.test/p?q=1&r=2#f",
      "ftp://c.test/f",
      "HTTPS://D.Test/Mixed",
      "(http://e.test/in-brackets)",
      "<https://f.test/angle>",
      '"http://g.test/quoted"',
      "xhttp://h.test/glued",
      "url:http://i.test/after-colon",
      "http://j.test/a,http://k.test/b",
      "//proto.relative/x",
      "mailto:m@n.test",
      "https://l.test/trailing.",
      "https://xn--pple-43d.com/idn",
      "https://bücher.de/ü",
      "http://[::1]/v6",
      "http://10.0.0.1:8080/ip",
      "https://m.test/a?u=http://n.test/b",
      "://",
      "http://",
      `https://o.test/${"p".repeat(50)}`,
      "日本語https://p.test/cjk",
      "é",
      "—",
      "**https://q.test/bold**",
    ];
    const SPACES = [" ", "  ", "\n", "\r\n", "\t", "\u00a0", "\u3000", ""];
    for (let seed = 1; seed <= 2000; seed++) {
      const next = random(seed);
      let text = "";
      for (let i = Math.floor(next() * 30); i > 0; i--)
        text += PIECES[Math.floor(next() * PIECES.length)]! + SPACES[Math.floor(next() * SPACES.length)]!;
      expect(findUrlsInText(text), JSON.stringify(text)).toEqual(reference(text));
    }
  });
});

describe("URLs in HTML", () => {
  it("puts visible links first, marks hidden links and 1x1 images", () => {
    const html =
      '<div hidden><a href="https://h.test/">h</a></div><img src="https://p.test/o.gif" width=1 height=1>' +
      '<a href="https://v.test/?a=1&amp;b=2">v</a>';
    const links = findLinksInHtml(html);
    expect(links.links).toEqual(["https://v.test/?a=1&b=2"]);
    expect(links.hiddenLinks).toEqual(["https://h.test/"]);
    expect(links.images).toEqual([{ url: "https://p.test/o.gif", trackingPixel: true }]);
    expect(findMessageUrls({ html }).urls).toEqual(["https://v.test/?a=1&b=2", "https://h.test/", "https://p.test/o.gif"]);
  });

  it("never takes URLs from scripts or styles as text", () => {
    expect(
      findMessageUrls({ html: "<style>a{background:url(https://s.test/x)}</style><script>var u='https://j.test/'</script>" }).urls,
    ).toEqual([]);
  });

  it("bounds the number of URLs kept per message and counts the rest", () => {
    const text = Array.from({ length: 1200 }, (_, i) => `https://u${i}.test/`).join(" ");
    const found = findMessageUrls({ text });
    expect(found.urls).toHaveLength(1000);
    expect(found.dropped).toBe(200);
  });
});

describe("domains", () => {
  it("gives the registrable domain from the public suffix list", () => {
    expect(describeHost("a.b.example.co.uk")).toMatchObject({ domain: "example.co.uk", isIdn: false });
  });

  it("shows an IDN as Unicode and punycode and flags a mixed-script label", () => {
    expect(describeHost("xn--pple-43d.com")).toMatchObject({
      domain: "xn--pple-43d.com",
      unicode: "аpple.com",
      isIdn: true,
      mixedScripts: ["Cyrillic", "Latin"],
    });
    const plain = describeHost("bücher.de")!;
    expect(plain).toMatchObject({ domain: "xn--bcher-kva.de", unicode: "bücher.de", isIdn: true });
    expect(plain.mixedScripts).toBeUndefined();
    expect(describeHost("日本語.jp")?.mixedScripts).toBeUndefined();
  });
});

describe("IPs from Received headers", () => {
  it("finds IPv4 and IPv6 (also in IPv6: literals), validated, with private ranges marked", () => {
    const ips = findIpsInText("from x ([IPv6:2001:db8::1]) (y [192.168.1.5]) by z (1.2.3.4); Mon, 2 Nov 2026 10:00:01 +0000 id 10:20:30");
    expect(ips).toEqual([
      { value: "2001:db8::1", version: 6, private: true },
      { value: "192.168.1.5", version: 4, private: true },
      { value: "1.2.3.4", version: 4, private: false },
    ]);
    expect(isPrivateIp("::ffff:10.0.0.1")).toBe(true);
    expect(isPrivateIp("8.8.8.8")).toBe(false);
    expect(findIpsInText("999.1.1.1 1.2.3 abc:def")).toEqual([]);
  });
});

describe("files", () => {
  it("sniffs types from magic bytes and flags a declared type the bytes contradict", () => {
    expect(sniffType(Buffer.from("%PDF-1.7"))).toBe("application/pdf");
    expect(sniffType(Buffer.from("MZ\x90\x00", "latin1"))).toBe("application/x-msdownload");
    expect(sniffType(Buffer.from("  <html><body>"))).toBe("text/html");
    expect(sniffType(Buffer.from("plain words"))).toBeUndefined();
    expect(typeMismatch("application/pdf", "application/x-msdownload")).toBe(true);
    expect(typeMismatch("application/msword", "application/x-ole-storage")).toBe(false);
    expect(typeMismatch("application/octet-stream", "application/x-msdownload")).toBe(false);
    expect(describeFile(Buffer.from("abc"))).toEqual({
      sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      size: 3,
    });
  });
});

describe("Authentication-Results", () => {
  it("reads the SPF, DKIM and DMARC verdicts and the server that judged", () => {
    expect(
      parseAuthenticationResults("mx.test; spf=pass smtp.mailfrom=a.test; dkim=fail (bad sig) header.d=a.test; dmarc=quarantine"),
    ).toEqual({ server: "mx.test", spf: "pass", dkim: "fail", dmarc: "quarantine" });
    expect(combineAuthenticationResults(["mx.test; spf=fail", "other.test; dkim=pass; spf=pass"])).toEqual({
      server: "mx.test",
      spf: "fail",
      dkim: "pass",
    });
    expect(parseAuthenticationResults("mx.test; none")).toEqual({ server: "mx.test" });
  });
});

describe("decoding", () => {
  it("decodes encoded words split inside a character, unterminated, in any case, in legacy charsets", () => {
    expect(decodeHeaderText("=?utf-8?b?w6k=?= =?UTF-8?B?w6k=?=")).toBe("éé");
    expect(decodeHeaderText("=?UTF-8?Q?a=C3?= =?utf-8?q?=A9b?=")).toBe("aéb");
    expect(decodeHeaderText("x =?utf-8?q?caf=C3=A9")).toBe("x café");
    expect(decodeHeaderText("=?windows-1252?Q?=80_=92?=")).toBe("€ ’");
    expect(decodeHeaderText("=?koi8-r?B?8NLJ18XU?=")).toBe("Привет");
    expect(decodeHeaderText("=?unknown-x?Q?caf=E9?=")).toBe("café");
    expect(decodeHeaderText("plain =? not a word ?=")).toBe("plain =? not a word ?=");
  });

  it("reads bytes with no or a wrong charset as UTF-8 when they are, windows-1252 when not", () => {
    expect(decodeBytes(Buffer.from("caf\xe9 \x93q\x94", "latin1"), "utf-8")).toBe("café “q”");
    expect(decodeBytes(Buffer.from("café", "utf8"))).toBe("café");
    expect(decodeBytes(Buffer.from("caf\xe9", "latin1"), "x-no-such-charset")).toBe("café");
    expect(repairC1("\u0080")).toBe("€");
  });

  it("re-encodes a Latin-1 header block as UTF-8 and leaves UTF-8 and the body alone", () => {
    const raw = Buffer.from("Subject: caf\xe9\r\n\r\nbody \xe9", "latin1");
    const { raw: fixed, repaired } = repairHeaderBytes(raw);
    expect(repaired).toBe(true);
    expect(Buffer.from(fixed).toString("utf8").startsWith("Subject: café\r\n\r\n")).toBe(true);
    expect(Buffer.from(fixed).subarray(-1)[0]).toBe(0xe9);
    expect(repairHeaderBytes(Buffer.from("Subject: café\r\n\r\n")).repaired).toBe(false);
  });

  it("ends the header block at the first empty line, CRLF or LF, and leaves what follows alone", () => {
    const repairedText = (latin1: string) => Buffer.from(repairHeaderBytes(Buffer.from(latin1, "latin1")).raw).toString("latin1");
    // LF only: the body's 8-bit byte (after the first "\n\n") stays as it was.
    expect(repairedText("Subject: caf\xe9\n\nbody \xe9")).toBe("Subject: caf\xc3\xa9\n\nbody \xe9");
    // CRLF headers with "\n\n" later in the body: the header block still ends at "\r\n\r\n".
    expect(repairedText("Subject: caf\xe9\r\n\r\nbody \xe9\n\n\xe9")).toBe("Subject: caf\xc3\xa9\r\n\r\nbody \xe9\n\n\xe9");
    // An LF-only empty line before a CRLF one ends the block there.
    expect(repairedText("Subject: caf\xe9\n\nX: \xe9\r\n\r\n")).toBe("Subject: caf\xc3\xa9\n\nX: \xe9\r\n\r\n");
    // No empty line: all of it is the header block.
    expect(repairedText("Subject: caf\xe9")).toBe("Subject: caf\xc3\xa9");
  });
});

describe("cost on hostile text", () => {
  it("finds every URL of one long line packed with URLs (read in pieces cut at whitespace)", () => {
    const urls = Array.from({ length: 3000 }, (_, i) => `https://u${i}.test/p`);
    const line = `${urls.join(" ")} ${"x".repeat(300_000)}`;
    expect(findUrlsInText(line)).toEqual(urls);
    expect(findDefangedUrls(urls.map((u) => u.replace("https://", "hxxps://")).join(" "))).toEqual(urls);
  });
});
