// Authentication-Results read as RFC 8601 writes them, and whose header is believed (Trusted Authentication Servers).
import { describe, expect, it } from "vitest";
import {
  believedAuthResult,
  combineAuthenticationResults,
  parseAuthenticationResult,
  parseAuthenticationResultsList,
  type AuthResult,
} from "../../src/sdk/index.js";
import { receivedByOf } from "../../integrations/email/lib/read-message.js";

describe("parseAuthenticationResultsList", () => {
  it("reads the authserv-id, each method's result and its ptype.property values, comments ignored", () => {
    const [result] = parseAuthenticationResultsList([
      "mx.example.com 1; spf=pass (sender SPF authorized; see (nested) comment) smtp.mailfrom=bounce@mail.sender.test;" +
        " dkim=fail (bad signature) header.d=other.test header.s=s1; dkim=pass header.i=@sender.test header.b=abc;" +
        " dmarc=pass (p=reject dis=none) header.from=sender.test; auth=pass smtp.auth=alice@example.com",
    ]);
    expect(result).toEqual({
      authservId: "mx.example.com",
      spf: "pass",
      spfDomain: "mail.sender.test",
      dkim: "pass",
      dkimDomains: ["sender.test"],
      dmarc: "pass",
      dmarcDomain: "sender.test",
      auth: "pass",
      authUser: "alice@example.com",
    } satisfies AuthResult);
  });

  it("reads a header without authserv-id (Microsoft 365 writes the first method first)", () => {
    const [result] = parseAuthenticationResultsList([
      "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=contoso.test; dkim=none (message not signed) header.d=none;" +
        "dmarc=fail action=quarantine header.from=fabrikam.test;compauth=fail reason=001",
    ]);
    expect(result).toEqual({
      authservId: "",
      spf: "pass",
      spfDomain: "contoso.test",
      dkim: "none",
      dmarc: "fail",
      dmarcDomain: "fabrikam.test",
    });
  });

  it("takes smtp.helo's domain when SPF has no mailfrom, keeps a failing DKIM result when none passed, spaces around '='", () => {
    const [result] = parseAuthenticationResultsList([
      "mx.test; spf = neutral smtp.helo=relay.sender.test; dkim=fail header.d=a.test; dkim=permerror header.d=b.test",
    ]);
    expect(result).toEqual({ authservId: "mx.test", spf: "neutral", spfDomain: "relay.sender.test", dkim: "fail" });
  });

  it("keeps the headers topmost first, at most 20, and reads 'none' as no result", () => {
    const list = parseAuthenticationResultsList(Array.from({ length: 30 }, (_, index) => `mx${index}.test; none`));
    expect(list).toHaveLength(20);
    expect(list[0]).toEqual({ authservId: "mx0.test" });
  });

  it("is bounded on hostile headers (unclosed comments, megabytes of results)", () => {
    const started = Date.now();
    const [open] = parseAuthenticationResultsList(["mx.test; spf=pass (never closed smtp.mailfrom=evil.test; dkim=pass"]);
    expect(open).toEqual({ authservId: "mx.test", spf: "pass" });
    parseAuthenticationResultsList([`x; ${"dkim=pass header.d=a.test; ".repeat(200_000)}`, "(".repeat(500_000), "a=".repeat(500_000)]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("keeps combineAuthenticationResults for its callers", () => {
    expect(combineAuthenticationResults(["mx.test; spf=fail", "other.test; dkim=pass; spf=pass"])).toEqual({
      server: "mx.test",
      spf: "fail",
      dkim: "pass",
    });
    expect(parseAuthenticationResult("mx.test; none")).toEqual({ authservId: "mx.test" });
  });
});

describe("believedAuthResult", () => {
  const ours: AuthResult = { authservId: "mx.example.com", dmarc: "pass" };
  const forged: AuthResult = { authservId: "mx.example.com.evil.test", dmarc: "pass" };
  const microsoft: AuthResult = { authservId: "", dmarc: "pass" };

  it("believes a header whose authserv-id is trusted (case-insensitive), and no other", () => {
    expect(believedAuthResult([forged, ours], "mx.example.com", ["MX.Example.com"])).toBe(ours);
    expect(believedAuthResult([forged], "mx.example.com", ["mx.example.com"])).toBeUndefined();
    expect(believedAuthResult([ours], "mx.example.com", [])).toBeUndefined();
  });

  it("believes a header without authserv-id only when topmost and our host received the message", () => {
    expect(believedAuthResult([microsoft], "am6pr01mb1234.eurprd01.prod.outlook.com", ["prod.outlook.com"])).toBe(microsoft);
    expect(believedAuthResult([microsoft], "prod.outlook.com", ["prod.outlook.com"])).toBe(microsoft);
    expect(believedAuthResult([microsoft], "evilprod.outlook.com.test", ["prod.outlook.com"])).toBeUndefined();
    expect(believedAuthResult([microsoft], undefined, ["prod.outlook.com"])).toBeUndefined();
    // Lower down, a header without id is whatever the sender wrote.
    expect(believedAuthResult([{ authservId: "mx.other.test" }, microsoft], "x.prod.outlook.com", ["prod.outlook.com"])).toBeUndefined();
  });
});

describe("receivedByOf", () => {
  it("reads the host after 'by', comments skipped, lower case", () => {
    expect(
      receivedByOf(
        "from mta.lure.example (helo by fake.test [203.0.113.9])\r\n\tby MX.Example.TEST (Postfix) with ESMTPS id 4Q1; Mon, 9 Nov 2026",
      ),
    ).toBe("mx.example.test");
    expect(
      receivedByOf(
        "from AM6PR01MB5555.eurprd01.prod.outlook.com (2603:10a6:20b:1::1) " +
          "by AM6PR01MB1234.eurprd01.prod.outlook.com (2603:10a6:20b:2::2) " +
          "with Microsoft SMTP Server (version=TLS1_2) id 15.20.1; Mon, 9 Nov 2026",
      ),
    ).toBe("am6pr01mb1234.eurprd01.prod.outlook.com");
    expect(receivedByOf("by mx.example.test;")).toBe("mx.example.test");
    expect(receivedByOf("from somewhere with SMTP")).toBe("");
    expect(receivedByOf(undefined)).toBe("");
  });

  it("is linear and bounded on hostile headers", () => {
    const started = Date.now();
    expect(receivedByOf(`${"(".repeat(1_000_000)} by evil.test`)).toBe("");
    receivedByOf("by ".repeat(1_000_000));
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
