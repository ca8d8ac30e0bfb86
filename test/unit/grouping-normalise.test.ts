// Normal forms used to group reports of one phishing mail.
import { describe, expect, it } from "vitest";
import { displaySubject, normaliseSubject, normaliseUrl } from "../../src/platform/grouping/normalise.js";

describe("normaliseSubject", () => {
  it("removes reply and forward prefixes in English, German, Nordic and Korean, repeated", () => {
    expect(normaliseSubject("RE: Fwd: Your account is suspended")).toBe("your account is suspended");
    expect(normaliseSubject("AW: WG: Rechnung   überfällig")).toBe("rechnung überfällig");
    expect(normaliseSubject("SV: VS: Faktura")).toBe("faktura");
    expect(normaliseSubject("회신: 전달: 비밀번호 만료 안내")).toBe("비밀번호 만료 안내");
    expect(normaliseSubject("FW[2]: Re(3): Invoice")).toBe("invoice");
    expect(normaliseSubject("Fwd：Payment")).toBe("payment");
  });

  it("removes gateway tags such as [EXTERNAL] and *SPAM*", () => {
    expect(normaliseSubject("[EXTERNAL] FW: Invoice #42")).toBe("invoice #42");
    expect(normaliseSubject("*SPAM* [EXT] Re: Invoice #42")).toBe("invoice #42");
    expect(normaliseSubject("【外部】 Invoice")).toBe("invoice");
  });

  it("leaves words that only look like prefixes", () => {
    expect(normaliseSubject("Review: Q3 numbers")).toBe("review: q3 numbers");
    expect(normaliseSubject("Re-confirm your password")).toBe("re-confirm your password");
    expect(normaliseSubject("[not a tag because it is far too long to be one] x")).toBe(
      "[not a tag because it is far too long to be one] x",
    );
  });

  it("costs linear time on hostile subjects", () => {
    const hostile = `${"Re: ".repeat(50_000)}${"[".repeat(50_000)}x`;
    expect(normaliseSubject(hostile).length).toBeGreaterThan(0);
  });

  it("keeps the case of the shared subject for display", () => {
    expect(displaySubject("FW: [EXTERNAL] Your Account")).toBe("Your Account");
  });
});

describe("normaliseUrl", () => {
  it("drops query, fragment, default port and trailing slash; lower-cases the host", () => {
    expect(normaliseUrl("HTTPS://Login.Example.COM:443/verify/?id=1&u=bob#top")).toBe("https://login.example.com/verify");
    expect(normaliseUrl("http://a.test/")).toBe("http://a.test");
    expect(normaliseUrl("mailto:x@y.z")).toBeUndefined();
    expect(normaliseUrl("not a url")).toBeUndefined();
  });
});
