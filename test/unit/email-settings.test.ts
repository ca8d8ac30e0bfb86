// The email connector's settings: every parameter read, typed, and bad values named.
import { describe, expect, it } from "vitest";
import { ConnectorExecution, type LogEntry } from "../../src/sdk/index.js";
import { environmentOf, exclusionReason, readSettings } from "../../integrations/email/lib/settings.js";

function execution(parameters: Record<string, unknown>, logs: LogEntry[] = []) {
  return new ConnectorExecution({
    connectorName: "t",
    isTestRun: true,
    context: {},
    allowList: [],
    parameters: { Username: "a@b.test", Password: "pw-secret", "IMAP Server Address": "imap.b.test", "IMAP Port": 993, ...parameters },
    secretParameters: ["Password", "Proxy Password", "OAuth2 Client Secret", "OAuth2 Refresh Token"],
    transport: {
      log: (e) => logs.push(e),
      reportFetched: () => undefined,
      submitPackage: async () => ({ committed: false, results: [], stored: [] }),
    },
  });
}

describe("email connector settings", () => {
  it("has the production connector's defaults", () => {
    const settings = readSettings(execution({}));
    expect(settings).toMatchObject({
      folders: ["INBOX"],
      unreadOnly: true,
      markAsRead: true,
      moveToFolder: "",
      attachOriginal: true,
      offsetDays: 5,
      maxPerCycle: 0,
      originalPrefix: "orig",
      attachedPrefix: "attach",
      separateAlertPerAttachedMail: false,
      serverTimeZone: "UTC",
      push: false,
    });
    expect(settings.proxy).toBeUndefined();
    expect(settings.oauth2).toBeUndefined();
  });

  it("reads a comma-separated list of folders", () => {
    expect(readSettings(execution({ "Folder to check for emails": "INBOX, Phish Reports ,Junk" })).folders).toEqual([
      "INBOX",
      "Phish Reports",
      "Junk",
    ]);
  });

  it("names a bad pattern, time zone, proxy or limit", () => {
    expect(() => readSettings(execution({ "Exclusion Subject Regex": "(unclosed" }))).toThrow(
      /Exclusion Subject Regex.*not a valid pattern/,
    );
    expect(() => readSettings(execution({ "Server Time Zone": "Mars/Olympus" }))).toThrow(/Server Time Zone.*unknown time zone/);
    expect(() => readSettings(execution({ "Proxy Server Address": "ftp://proxy:21" }))).toThrow(/Proxy Server Address.*not supported/);
    expect(() => readSettings(execution({ "Max Emails Per Cycle": -1 }))).toThrow(/Max Emails Per Cycle.*at least 0/);
    expect(() => readSettings(execution({ "IMAP Port": 70000 }))).toThrow(/IMAP Port.*between 1 and 65535/);
    expect(() => readSettings(execution({ "OAuth2 Client ID": "app" }))).toThrow(/OAuth2 Token URL/);
  });

  it("renews push's IDLE as often as asked, within bounds", () => {
    expect(readSettings(execution({})).pushRecheckMs).toBe(0);
    expect(readSettings(execution({ "Push Recheck Milliseconds": 250 })).pushRecheckMs).toBe(250);
    expect(() => readSettings(execution({ "Push Recheck Milliseconds": 50 }))).toThrow(
      /Push Recheck Milliseconds.*0 or between 100 and 240000, got 50/,
    );
    expect(() => readSettings(execution({ "Push Recheck Milliseconds": 300_000 }))).toThrow(
      /Push Recheck Milliseconds.*0 or between 100 and 240000/,
    );
  });

  it("builds the proxy URL with its credentials, without logging the password", () => {
    const logs: LogEntry[] = [];
    const settings = readSettings(
      execution({ "Proxy Server Address": "127.0.0.1:3128", "Proxy Username": "u", "Proxy Password": "p@ss" }, logs),
    );
    expect(settings.proxy).toBe("http://u:p%40ss@127.0.0.1:3128/");
    expect(JSON.stringify(logs)).not.toContain("p@ss");
    expect(readSettings(execution({ "Proxy Server Address": "socks5://10.0.0.1:1080" })).proxy).toBe("socks5://10.0.0.1:1080");
  });

  it("needs no password with OAuth2, and a client secret or a refresh token", () => {
    const settings = readSettings(
      execution({
        Password: "",
        "OAuth2 Client ID": "app",
        "OAuth2 Token URL": "https://login.example/token",
        "OAuth2 Refresh Token": "rt",
      }),
    );
    expect(settings.oauth2).toMatchObject({ clientId: "app", refreshToken: "rt", clientSecret: "" });
    expect(() => readSettings(execution({ Password: "" }))).toThrow(/missing mandatory parameter "Password"/);
  });

  it("excludes by subject or body with linear-time patterns, even on hostile input", () => {
    const settings = readSettings(
      execution({ "Exclusion Subject Regex": "^(out of office|automatic reply)", "Exclusion Body Regex": "(a+)+$" }),
    );
    expect(exclusionReason(settings, "Automatic reply: away", "")).toMatch(/subject/);
    expect(exclusionReason(settings, "Invoice", "hello")).toBeUndefined();
    // The classic catastrophic-backtracking input: RE2 answers in linear time.
    expect(exclusionReason(settings, "Invoice", `${"a".repeat(100_000)}!`)).toBeUndefined();
    expect(exclusionReason(settings, "Invoice", "aaaa")).toMatch(/body/);
  });

  it("takes the environment from an event field through the pattern's first group", () => {
    const settings = readSettings(
      execution({ "Environment Field Name": "SourceEmailAddress", "Environment Regex Pattern": "@([^.]+)\\." }),
    );
    expect(environmentOf(settings, { SourceEmailAddress: "x@acme.example" })).toBe("acme");
    expect(environmentOf(settings, { SourceEmailAddress: "nobody" })).toBe("");
    const whole = readSettings(execution({ "Environment Field Name": "Subject" }));
    expect(environmentOf(whole, { Subject: "Branch A" })).toBe("Branch A");
  });

  it("allows senders by address or domain (subdomains too), everyone when empty", () => {
    const settings = readSettings(execution({ "Allowed Senders": "boss@other.test, example.com, @corp.test" }));
    expect(settings.allowedSenders.allows("Boss@Other.test")).toBe(true);
    expect(settings.allowedSenders.allows("staff@mail.example.com")).toBe(true);
    expect(settings.allowedSenders.allows("x@corp.test")).toBe(true);
    expect(settings.allowedSenders.allows("x@notexample.com")).toBe(false);
    expect(settings.allowedSenders.allows("attacker@evil.test")).toBe(false);
    expect(readSettings(execution({})).allowedSenders.allows("anyone@any.test")).toBe(true);
  });

  it("selects additional headers by name or prefix", () => {
    const settings = readSettings(execution({ "Additional headers to extract from emails": "X-Mailer, X-MS-Exchange-*" }));
    expect(settings.additionalHeaders.matches("x-mailer")).toBe(true);
    expect(settings.additionalHeaders.matches("X-MS-Exchange-Organization-SCL")).toBe(true);
    expect(settings.additionalHeaders.matches("Received")).toBe(false);
  });
});
