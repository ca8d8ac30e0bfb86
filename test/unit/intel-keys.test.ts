// Match keys of indicators (src/indicators/keys.ts) and the feed parsers of the Threat Intel Feeds integration.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { domainCandidates, domainKey, hashKind, indicatorKey, ipKey, urlKey } from "../../src/indicators/keys.js";
import { csvFields, parseFeed, stixPattern } from "../../integrations/threat-intel/lib/parsers.js";

const FEEDS = path.join(import.meta.dirname, "..", "fixtures", "feeds");

describe("urlKey", () => {
  it("reduces URLs an analyst calls the same to one key", () => {
    const same = [
      "http://evil.test/login",
      "HTTP://EVIL.test:80/login/",
      "http://evil.test/%6Cogin#top",
      "evil.test/login",
      "http://evil.test./login",
    ];
    expect(new Set(same.map(urlKey))).toEqual(new Set(["http://evil.test/login"]));
    expect(urlKey("https://evil.test")).toBe("https://evil.test/");
    expect(urlKey("https://evil.test:443/")).toBe("https://evil.test/");
  });
  it("keeps what changes the resource: path case, query, other ports, reserved escapes", () => {
    expect(urlKey("http://evil.test/Login")).not.toBe(urlKey("http://evil.test/login"));
    expect(urlKey("http://evil.test/a?x=1")).not.toBe(urlKey("http://evil.test/a?x=2"));
    expect(urlKey("http://evil.test:8080/")).toBe("http://evil.test:8080/");
    expect(urlKey("http://evil.test/a%2fb")).toBe("http://evil.test/a%2Fb");
  });
  it("writes IDN hosts as punycode and refuses what is no URL", () => {
    expect(urlKey("http://bücher.test/x")).toBe("http://xn--bcher-kva.test/x");
    expect(urlKey("http://[not a url")).toBeUndefined();
    expect(urlKey("")).toBeUndefined();
  });
});

describe("domains, IPs and hashes", () => {
  it("normalises domains and lists the parents down to the registered domain", () => {
    expect(domainKey("Evil.TEST.")).toBe("evil.test");
    expect(domainKey("bücher.test")).toBe("xn--bcher-kva.test");
    expect(domainKey("192.0.2.1")).toBeUndefined();
    expect(domainCandidates("a.b.evil.test")).toEqual(["a.b.evil.test", "b.evil.test", "evil.test"]);
    expect(domainCandidates("x.evil.co.uk")).toEqual(["x.evil.co.uk", "evil.co.uk"]);
  });
  it("matches IPs and hashes exactly, hashes in lower case", () => {
    expect(ipKey("192.0.2.1")).toBe("192.0.2.1");
    expect(ipKey("2001:DB8:0:0::1")).toBe("2001:db8::1");
    expect(ipKey("evil.test")).toBeUndefined();
    expect(hashKind("D41D8CD98F00B204E9800998ECF8427E")).toBe("md5");
    expect(hashKind("zz1d8cd98f00b204e9800998ecf8427e")).toBeUndefined();
    expect(indicatorKey("sha1", "d41d8cd98f00b204e9800998ecf8427e")).toBeUndefined();
  });
});

async function read(format: string, file: string) {
  const out = [];
  for await (const indicator of parseFeed(format, path.join(FEEDS, file))) out.push(indicator);
  return out;
}

describe("feed parsers", () => {
  it("reads each format's fixture", async () => {
    expect((await read("urlhaus", "urlhaus.csv")).map((i) => [i.kind, i.value, i.threat])).toEqual([
      ["url", "http://Evil.TEST:80/login/", "malware_download"],
      ["url", "https://phish.example.test/a%7Eb?x=1", "phishing"],
      ["url", "http://198.51.100.7/bin.sh", "malware_download"],
    ]);
    expect((await read("phishtank", "phishtank.json")).map((i) => i.value)).toEqual([
      "https://secure-login.bank.test/verify",
      "http://paypa1.test/",
    ]);
    expect((await read("phishtank", "phishtank.csv")).map((i) => [i.value, i.tags])).toEqual([
      ["http://login-office.test/a,b", "Microsoft"],
      ["http://mail-update.test/", "Other"],
    ]);
    expect((await read("openphish", "openphish.txt")).length).toBe(2);
    expect((await read("misp", "misp")).map((i) => [i.kind, i.value])).toEqual([
      ["domain", "misp-evil.test"],
      ["ip", "203.0.113.9"],
      ["sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"],
      ["md5", "d41d8cd98f00b204e9800998ecf8427e"],
    ]);
    expect((await read("stix", "stix.json")).map((i) => [i.kind, i.value])).toEqual([
      ["domain", "stix-evil.test"],
      ["url", "http://stix-url.test/p"],
      ["ip", "192.0.2.77"],
      ["sha256", "a".repeat(64)],
    ]);
  });

  it("refuses each broken fixture naming the line or object", async () => {
    await expect(read("urlhaus", "urlhaus-broken.csv")).rejects.toThrow("line 3: 4 fields, the header names 9");
    await expect(read("urlhaus", "openphish.txt")).rejects.toThrow('line 1: no header "# id,dateadded,url,…"');
    await expect(read("phishtank", "phishtank-broken.json")).rejects.toThrow('object 2 (phish_id 9003): no "url"');
    await expect(read("phishtank", "phishtank-broken.csv")).rejects.toThrow("line 2: a quoted field is not closed");
    await expect(read("openphish", "openphish-broken.txt")).rejects.toThrow("line 2: expected a url");
    await expect(read("misp", "misp-broken")).rejects.toThrow(
      "5f0c3a2e-1b2c-4d3e-8f40-0123456789ab.json attribute 2 (sha256): expected a sha256",
    );
    await expect(read("stix", "stix-broken.json")).rejects.toThrow(
      "object 2 (indicator--2): pattern: unknown object path at 1 " +
        "(expected url:value, domain-name:value, ipv4-addr:value, ipv6-addr:value or file:hashes)",
    );
  });

  it("reads STIX patterns joined with OR and refuses AND and unclosed ones", () => {
    expect(stixPattern("[url:value = 'http://a.test/it\\'s' OR domain-name:value='b.test']", "x")).toEqual([
      { kind: "url", value: "http://a.test/it's" },
      { kind: "domain", value: "b.test" },
    ]);
    expect(() => stixPattern("[url:value = 'http://a.test/' AND domain-name:value = 'b.test']", "object 1")).toThrow("object 1: pattern");
    expect(() => stixPattern("[url:value = 'http://a.test/'", "object 1")).toThrow("before its brackets close");
    expect(() => stixPattern("[url:value != 'http://a.test/']", "o")).toThrow('only "=" comparisons');
  });

  it("splits CSV lines with quotes", () => {
    expect(csvFields('"a","b,c","d""e",f', "line 1")).toEqual(["a", "b,c", 'd"e', "f"]);
  });
});
