// Registrable domains through the Public Suffix List's private section, and the host a link's text shows.
import { describe, expect, it } from "vitest";
import { describeHost, domainCandidates, hostShownIn, linkTextDomain } from "../../src/sdk/index.js";

describe("describeHost with the PSL's private section", () => {
  it("tells tenants of shared hosting apart and names the private suffix", () => {
    const a = describeHost("a.firebaseapp.com")!;
    const b = describeHost("login.b.firebaseapp.com")!;
    expect(a).toMatchObject({ domain: "a.firebaseapp.com", privateSuffix: "firebaseapp.com" });
    expect(b).toMatchObject({ domain: "b.firebaseapp.com", privateSuffix: "firebaseapp.com" });
    expect(describeHost("evil.github.io")).toMatchObject({ domain: "evil.github.io", privateSuffix: "github.io" });
    expect(describeHost("x.web.app")).toMatchObject({ domain: "x.web.app", privateSuffix: "web.app" });
  });

  it("leaves ICANN suffixes as they were, without a private suffix", () => {
    expect(describeHost("a.b.example.co.uk")).toMatchObject({ domain: "example.co.uk" });
    expect(describeHost("a.b.example.co.uk")!.privateSuffix).toBeUndefined();
    expect(describeHost("www.github.com")).toMatchObject({ domain: "github.com" });
    expect(describeHost("www.github.com")!.privateSuffix).toBeUndefined();
  });

  it("stops an intel lookup's parent domains at the tenant, never the shared service", () => {
    expect(domainCandidates("x.evil.firebaseapp.com")).toEqual(["x.evil.firebaseapp.com", "evil.firebaseapp.com"]);
    expect(domainCandidates("a.b.evil.test")).toEqual(["a.b.evil.test", "b.evil.test", "evil.test"]);
  });
});

describe("the host a link's text shows", () => {
  it("reads a host with or without scheme, and none from words", () => {
    expect(hostShownIn("www.paypal.com")).toBe("www.paypal.com");
    expect(hostShownIn("  https://PayPal.com/login ")).toBe("paypal.com");
    expect(hostShownIn("Sign in at https://paypal.com/login")).toBe("paypal.com");
    expect(hostShownIn("paypal.com.")).toBe("paypal.com");
    expect(hostShownIn("Click here")).toBeUndefined();
    expect(hostShownIn("invoice.pdf")).toBeUndefined();
    expect(hostShownIn("support@paypal.com")).toBeUndefined();
    expect(hostShownIn("v1.2")).toBeUndefined();
  });

  it("names the shown domain only when the link goes to another registrable domain", () => {
    expect(linkTextDomain("www.paypal.com", "https://evil.test/x")).toBe("paypal.com");
    expect(linkTextDomain("https://paypal.com/login", "https://www.paypal.com/signin")).toBeUndefined();
    expect(linkTextDomain("Click here", "https://evil.test/x")).toBeUndefined();
    expect(linkTextDomain("a.firebaseapp.com", "https://b.firebaseapp.com/")).toBe("a.firebaseapp.com");
  });
});
