// The Phishing Triage integration's weighing and simulation rules, with synthetic feed matches and earlier cases.
import { describe, expect, it } from "vitest";
import type { ActionEntity, AuthResult, EarlierCase } from "intake/sdk";
import { assess, type AssessInput, type ReportSignals } from "../../integrations/phishing-triage/lib/assess.js";
import { lookalikeOf } from "../../integrations/phishing-triage/lib/lookalike.js";
import { isShared, parseBrands, parseVips, type Policy } from "../../integrations/phishing-triage/lib/policy.js";
import type { IndicatorMatch } from "../../integrations/phishing-triage/lib/intel.js";
import { matchSimulation, parseSimulationRules } from "../../integrations/phishing-triage/lib/simulation.js";
import { loadIntegrationPackage } from "../../src/platform/catalog/package.js";
import { typeCheckIntegration } from "../../src/platform/catalog/typecheck.js";
import { PROJECT_ROOT } from "../support/cli.js";

const TRUSTED_PASS: AuthResult = {
  authservId: "mx.corp.test",
  spf: "pass",
  spfDomain: "shop.test",
  dkim: "pass",
  dkimDomains: ["shop.test"],
  dmarc: "pass",
  dmarcDomain: "shop.test",
};
const report: ReportSignals = {
  senderName: "Shop",
  senderAddress: "deals@shop.test",
  replyTo: [],
  auth: TRUSTED_PASS,
  authServer: "mx.corp.test",
};
const unauthenticated: ReportSignals = { senderName: "Shop", senderAddress: "deals@shop.test", replyTo: [] };
const entity = (entityType: string, identifier: string, additionalProperties: Record<string, string> = {}): ActionEntity => ({
  entityType,
  identifier,
  additionalProperties,
});
const match = (overrides: Partial<IndicatorMatch>): IndicatorMatch => ({
  entityType: "URL",
  identifier: "http://evil.test/login",
  feed: "urlhaus",
  format: "urlhaus",
  kind: "url",
  indicator: "http://evil.test/login",
  matchedBy: "exact",
  firstSeen: 0,
  lastSeen: 0,
  reliability: "C",
  ...overrides,
});
type Grounds = "analyst" | "feed" | "machine";
const earlier = (
  caseId: number,
  value: "malicious" | "benign" | "suspicious",
  grounds: Grounds,
  matched = [{ entityType: "URL", identifier: "http://evil.test/login" }],
): EarlierCase => ({
  caseId,
  title: "x",
  status: "closed",
  closedReason: "done",
  createdAt: 0,
  verdict: {
    value,
    score: null,
    setBy: grounds === "analyst" ? "alice" : "playbook:phishing-triage",
    overridden: grounds === "analyst",
    grounds,
    decidedBy: grounds === "analyst" ? "analyst alice" : grounds === "feed" ? "feed URLhaus" : "playbook:phishing-triage",
  },
  matched,
});
const policy: Policy = {
  orgDomains: ["corp.test"],
  sharedInfrastructure: new Set(["fonts.googleapis.com", "facebook.com", "t.co", "imgur.com", "gmail.com", "cloudfront.net"]),
  shorteners: new Set(["bit.ly"]),
  brands: parseBrands(["PayPal: paypal.com", "Microsoft: microsoft.com, office.com"]),
  vips: parseVips(["Kim Minjun"]),
};
const run = (input: Partial<AssessInput>) => assess({ reports: [report], entities: [], matches: [], earlier: [], policy, ...input });

describe("assess: feeds, by their reliability", () => {
  it("calls a clickable URL a fairly reliable feed lists malicious, naming it defanged with its feed and grade", () => {
    const result = run({ entities: [entity("URL", "http://evil.test/login")], matches: [match({})] });
    expect(result.verdict).toBe("malicious");
    expect(result.reasons[0]).toBe('URL hxxp://evil[.]test/login in URLhaus (feed "urlhaus", reliability C)');
    expect(result.evidence[0]).toMatchObject({
      kind: "feed",
      weight: 68,
      feed: "urlhaus",
      reliability: "C",
      indicator: "hxxp://evil[.]test/login",
    });
  });

  it("lets an unreliable feed's listing weigh little and conclude nothing", () => {
    const listed = match({ identifier: "http://evil.test/x", indicator: "http://evil.test/x", reliability: "E" });
    const result = run({ reports: [unauthenticated], entities: [entity("URL", "http://evil.test/x")], matches: [listed] });
    expect(result.verdict).toBe("unknown");
    expect(result.evidence[0]!.weight).toBe(23);
  });

  it("weighs a listed image the message only loads as less than a link, and concludes nothing from it", () => {
    const image = entity("URL", "http://evil.test/login", { clickable: "false", resource: "image" });
    const result = run({ reports: [unauthenticated], entities: [image], matches: [match({})] });
    expect(result.verdict).toBe("suspicious");
    expect(result.reasons[0]).toContain("an image the message loads, not a link");
  });

  it("takes a domain a reliable feed lists itself as conclusive, and the sender's domain is looked up too", () => {
    const listed = match({
      entityType: "EMAIL_ADDRESS",
      identifier: "ceo@evil.test",
      kind: "domain",
      indicator: "evil.test",
      matchedBy: "domain",
      format: "stix",
      feed: "cti",
      reliability: "B",
    });
    const result = run({ reports: [unauthenticated], matches: [listed] });
    expect(result.verdict).toBe("malicious");
    expect(result.reasons[0]).toBe('the sender\'s domain (ceo@evil[.]test) in STIX (feed "cti", reliability B), listed as evil[.]test');
  });

  it("does not count a listed domain that is shared infrastructure", () => {
    const listed = match({
      entityType: "URL",
      identifier: "https://fonts.googleapis.com/css",
      kind: "domain",
      indicator: "fonts.googleapis.com",
      matchedBy: "domain",
      reliability: "A",
    });
    const result = run({
      entities: [entity("URL", "https://fonts.googleapis.com/css", { clickable: "false", resource: "stylesheet" })],
      matches: [listed],
    });
    expect(result.verdict).not.toMatch(/malicious|suspicious/);
    expect(result.evidence.find((item) => item.kind === "feed")).toMatchObject({ weight: 0 });
    expect(result.reasons.join("\n")).toContain("shared infrastructure, not counted");
  });
});

describe("assess: earlier cases count only for what a person or a feed decided", () => {
  it("takes an analyst's malicious verdict on the same link as conclusive, naming who decided", () => {
    const result = run({ entities: [entity("URL", "http://evil.test/login")], earlier: [earlier(12, "malicious", "analyst")] });
    expect(result.verdict).toBe("malicious");
    expect(result.reasons[0]).toBe("URL hxxp://evil[.]test/login: seen in case #12, judged malicious by analyst alice");
    expect(result.evidence[0]).toMatchObject({ kind: "earlier-case", caseId: 12, decidedBy: "analyst alice" });
  });

  it("never counts a verdict the playbook made from other verdicts, nor a shared domain", () => {
    expect(run({ entities: [entity("URL", "http://evil.test/login")], earlier: [earlier(12, "malicious", "machine")] }).verdict).not.toBe(
      "malicious",
    );
    const domainOnly = run({ earlier: [earlier(13, "malicious", "analyst", [{ entityType: "DOMAIN", identifier: "facebook.com" }])] });
    expect(domainOnly.evidence.some((item) => item.kind === "earlier-case")).toBe(false);
  });

  it("never counts a shared link, however specific: a brand's Facebook page is in phish and honest mail alike", () => {
    const facebook = [{ entityType: "URL", identifier: "https://www.facebook.com/paypal" }];
    const result = run({
      entities: [entity("URL", "https://www.facebook.com/paypal")],
      earlier: [earlier(9, "malicious", "analyst", facebook)],
    });
    expect(result.evidence.some((item) => item.kind === "earlier-case")).toBe(false);
  });

  it("counts a feed-grounded malicious case sharing the same link", () => {
    expect(
      run({ reports: [unauthenticated], entities: [entity("URL", "http://evil.test/login")], earlier: [earlier(3, "malicious", "feed")] })
        .verdict,
    ).toBe("malicious");
  });

  it("uses an analyst's benign verdict on the same link for a clean report", () => {
    const result = run({
      reports: [unauthenticated],
      entities: [entity("URL", "http://evil.test/login")],
      earlier: [earlier(7, "benign", "analyst")],
    });
    expect(result).toMatchObject({
      verdict: "benign",
      reasons: expect.arrayContaining(["URL hxxp://evil[.]test/login: seen in case #7, judged benign by analyst alice"]),
    });
  });
});

describe("assess: a legitimate newsletter", () => {
  const newsletter = [
    entity("URL", "https://www.shop.test/new?utm_source=x"),
    entity("URL", "https://www.facebook.com/shop"),
    entity("URL", "https://t.co/abc"),
    entity("URL", "https://imgur.com/gallery/xyz"),
    entity("URL", "https://fonts.googleapis.com/css2?family=Roboto", { clickable: "false", resource: "stylesheet" }),
    entity("URL", "https://i.imgur.com/a.png", { clickable: "false", resource: "image" }),
  ];

  it("is benign when our own server authenticated it and its links stay within its own and well-known domains", () => {
    const result = run({
      entities: newsletter,
      earlier: [earlier(4, "malicious", "machine", [{ entityType: "DOMAIN", identifier: "googleapis.com" }])],
    });
    expect(result.verdict).toBe("benign");
    expect(result.reasons).toEqual([
      "DMARC pass for deals@shop[.]test, judged by mx[.]corp[.]test (a Trusted Authentication Server)",
      "its 4 link(s) stay within shop[.]test and well-known domains (facebook[.]com, t[.]co, imgur[.]com)",
      "no feed lists it, no analyst judged it before, and nothing in it points to phishing",
    ]);
  });

  it("is not benign from webmail, nor from an unknown domain that shows no links or a sign-in page elsewhere", () => {
    const gmail: ReportSignals = {
      senderName: "Billing",
      senderAddress: "billing7@gmail.com",
      replyTo: [],
      auth: { authservId: "mx.corp.test", dmarc: "pass", dmarcDomain: "gmail.com" },
    };
    expect(run({ reports: [gmail] }).verdict).toBe("unknown");
    expect(run({ entities: [] }).verdict).toBe("unknown");
    expect(run({ entities: [entity("URL", "https://www.shop.test/a"), entity("URL", "https://acct-check.top/login")] }).verdict).not.toBe(
      "benign",
    );
  });

  it("does not hold a forgeable sender address against mail our server authenticated, nor our own addresses", () => {
    const helpdesk = [{ entityType: "EMAIL_ADDRESS", identifier: "it-helpdesk@corp.test" }];
    const internal: ReportSignals = {
      senderName: "IT Helpdesk",
      senderAddress: "it-helpdesk@corp.test",
      replyTo: [],
      auth: { authservId: "mx.corp.test", dmarc: "pass", dmarcDomain: "corp.test" },
    };
    const result = run({
      reports: [internal],
      entities: [entity("URL", "https://sso.corp.test/password/change")],
      earlier: [earlier(25, "malicious", "feed", helpdesk), earlier(117, "malicious", "feed", helpdesk)],
    });
    expect(result.verdict).toBe("benign");
    const shop = [{ entityType: "EMAIL_ADDRESS", identifier: "deals@shop.test" }];
    const twice = run({
      reports: [unauthenticated],
      earlier: [earlier(3, "malicious", "analyst", shop), earlier(4, "malicious", "analyst", shop)],
    });
    expect(twice.evidence.filter((item) => item.kind === "earlier-case")).toHaveLength(1);
  });

  it("is not benign when the pass was written by a server we do not trust", () => {
    const result = run({ reports: [{ ...unauthenticated, untrustedAuth: true }], entities: newsletter });
    expect(result.verdict).toBe("unknown");
    expect(result.reasons[0]).toContain("not written by a Trusted Authentication Server");
  });
});

describe("assess: the reported message's own signals", () => {
  it("weighs a brand's name from elsewhere, a link showing another domain and DMARC fail to malicious", () => {
    const result = run({
      reports: [
        {
          senderName: "PayPal Service",
          senderAddress: "no-reply@acc-notice.top",
          replyTo: [],
          auth: { authservId: "mx.corp.test", spf: "fail", dmarc: "fail", dmarcDomain: "acc-notice.top" },
          authServer: "mx.corp.test",
        },
      ],
      entities: [entity("URL", "https://secure-login.top/x/login.php", { link_text_domain: "paypal.com" })],
    });
    expect(result.verdict).toBe("malicious");
    expect(result.reasons).toEqual(
      expect.arrayContaining([
        "DMARC fail for no-reply@acc-notice[.]top, judged by mx[.]corp[.]test",
        'the display name "PayPal Service" names PayPal but the message comes from no-reply@acc-notice[.]top',
        "a link shows paypal[.]com but goes to secure-login[.]top",
      ]),
    );
  });

  it("flags lookalikes of our own domains and of brands' by confusable letters and edits", () => {
    const own = run({ reports: [{ ...unauthenticated, senderAddress: "it@c0rp.test", senderName: "IT" }] });
    expect(own.verdict).toBe("suspicious");
    expect(own.reasons[0]).toBe("the sender's domain c0rp[.]test looks like our corp[.]test (confusable characters)");
    const brand = run({ reports: [unauthenticated], entities: [entity("URL", "https://paypa1.com/signin")] });
    expect(brand.reasons).toContain("a link goes to paypa1[.]com, which looks like paypal[.]com (confusable characters)");
  });

  it("flags a VIP's name from webmail with replies going elsewhere, and our organisation's name from outside", () => {
    const vip = run({
      reports: [
        {
          senderName: "Kim Minjun",
          senderAddress: "kim.ceo@gmail.com",
          replyTo: ["exec@proton.me"],
          auth: { authservId: "mx.corp.test", dmarc: "pass", dmarcDomain: "gmail.com" },
        },
      ],
    });
    expect(vip.verdict).toBe("suspicious");
    expect(vip.reasons).toEqual([
      "the display name names Kim Minjun (a VIP) but the message comes from kim[.]ceo@gmail[.]com",
      "replies go to exec@proton[.]me not to the sender kim[.]ceo@gmail[.]com",
    ]);
    const org = run({ reports: [{ ...unauthenticated, senderName: "Corp IT Service Desk", senderAddress: "desk@helpdesk.top" }] });
    expect(org.reasons).toContain("the display name names our organisation (corp) but the message comes from desk@helpdesk[.]top");
  });

  it("weighs sign-in pages on free hosting, IP links, shorteners, QR codes and data: URIs", () => {
    const result = run({
      reports: [{ ...unauthenticated, dataUriLinks: 1 }],
      entities: [
        entity("URL", "https://paypal-check.web.app/login.html"),
        entity("URL", "http://203.0.113.9/index.php"),
        entity("URL", "https://bit.ly/abc"),
        entity("URL", "https://mfa-reset.top/x", { qr_code: "true", source: "qr code in qr.png" }),
      ],
    });
    expect(result.verdict).toBe("malicious");
    const text = result.reasons.join("\n");
    for (const part of [
      "sign-in page on free hosting (web[.]app)",
      "a link goes to an IP address",
      "the shortener bit[.]ly",
      "a QR code (qr code in qr[.]png) leads to hxxps://mfa-reset[.]top/x",
      "data: URI",
    ])
      expect(text).toContain(part);
  });

  it("weighs a form in the message itself, a link hiding its host behind a user name, and a role's name from outside", () => {
    const result = run({
      reports: [{ ...unauthenticated, senderName: "Mail Administrator", senderAddress: "admin@mailbox-upgrade.top" }],
      entities: [
        entity("URL", "https://collect.top/post.php", { clickable: "false", resource: "form" }),
        entity("URL", "https://www.paypal.com@evil.test/x"),
      ],
    });
    expect(result.verdict).toBe("malicious");
    expect(result.reasons).toEqual(
      expect.arrayContaining([
        "the message itself holds a form that sends what is typed to collect[.]top",
        "a link hides where it goes behind a user name: hxxps://www[.]paypal[.]com@evil[.]test/x",
        'the display name "Mail Administrator" is a role (mail administrator) ' +
          "but the message comes from admin@mailbox-upgrade[.]top, outside our domains",
      ]),
    );
  });

  it("weighs HTML attachments with a password form or a smuggling script, and executables", () => {
    const result = run({
      reports: [unauthenticated],
      entities: [
        entity("FILE", "Invoice.html", { html_password_form: "true", html_form_action: "evil.test" }),
        entity("FILE", "INV.htm", { html_smuggling: "true" }),
        entity("FILE", "po.pdf.exe"),
      ],
    });
    expect(result.verdict).toBe("malicious");
    expect(result.reasons).toEqual(
      expect.arrayContaining([
        "attachment Invoice[.]html is a page with a password form that posts to evil[.]test",
        "attachment INV[.]htm is a page whose script writes a page or a file (HTML smuggling)",
        "attachment po[.]pdf[.]exe is executable",
      ]),
    );
  });

  it("leaves an authenticated brand notification alone: its name is its own", () => {
    const paypal = run({
      reports: [
        {
          senderName: "PayPal",
          senderAddress: "service@paypal.com",
          replyTo: [],
          auth: { authservId: "mx.corp.test", dmarc: "pass", dmarcDomain: "paypal.com" },
        },
      ],
      entities: [entity("URL", "https://www.paypal.com/myaccount")],
    });
    expect(paypal.verdict).toBe("benign");
  });

  it("says unknown with a reason when nothing points either way, and a simulation wins over everything", () => {
    expect(run({ reports: [unauthenticated] })).toMatchObject({
      verdict: "unknown",
      score: 0,
      reasons: ["nothing in the feeds, earlier cases or the message's signals points either way"],
    });
    expect(run({ matches: [match({})], simulation: "rule" })).toMatchObject({
      verdict: "simulation",
      score: 0,
      reasons: ["a phishing simulation: rule"],
    });
  });
});

describe("isShared", () => {
  it("covers a listed host's subdomains within its site, never other sites under a hosting suffix", () => {
    expect(isShared(policy, "fonts.googleapis.com")).toBe(true);
    expect(isShared(policy, "www.facebook.com")).toBe(true);
    expect(isShared(policy, "storage.googleapis.com")).toBe(false);
    expect(isShared(policy, "d123.cloudfront.net")).toBe(false);
  });
});

describe("lookalikeOf", () => {
  it("finds confusable letters, one edit, and a brand's name inside another domain, but not the domain itself", () => {
    expect(lookalikeOf("rnicrosoft.com", ["microsoft.com"])).toMatchObject({ how: "confusable characters" });
    expect(lookalikeOf("paypa1.com", ["paypal.com"])).toMatchObject({ how: "confusable characters" });
    expect(lookalikeOf("xn--pypal-4ve.com", ["paypal.com"])).toMatchObject({ how: "confusable characters" });
    expect(lookalikeOf("payspal.com", ["paypal.com"])).toMatchObject({ how: "one letter changed" });
    expect(lookalikeOf("paypal-secure.com", ["paypal.com"])).toMatchObject({ how: "name inside" });
    expect(lookalikeOf("paypal.com", ["paypal.com"])).toBeUndefined();
    expect(lookalikeOf("shop.test", ["paypal.com", "corp.test"])).toBeUndefined();
  });
});

describe("simulation rules", () => {
  const rules = parseSimulationRules({
    headers: "X-PhishTest, X-Vendor: Trainer",
    domains: "sim.test",
    ips: "198.51.100.0/24, 2001:db8::/32",
  });
  const none = { headers: {}, senderAddress: "a@other.test", ips: [] };

  it("match a header by name, or by name and value without regard to case", () => {
    expect(matchSimulation(rules, { ...none, headers: { "x-phishtest": "anything" } })).toBe(
      'header x-phishtest present (setting "Simulation Headers")',
    );
    expect(matchSimulation(rules, { ...none, headers: { "x-vendor": " trainer " } })).toBe(
      'header x-vendor: Trainer (setting "Simulation Headers")',
    );
    expect(matchSimulation(rules, { ...none, headers: { "x-vendor": "someone else" } })).toBeUndefined();
  });

  it("match a sender domain and its subdomains only", () => {
    expect(matchSimulation(rules, { ...none, senderAddress: "hr@mail.sim.test" })).toContain("sender domain mail[.]sim[.]test");
    expect(matchSimulation(rules, { ...none, senderAddress: "hr@notsim.test" })).toBeUndefined();
  });

  it("match sending IPs in the CIDRs, v4 and v6", () => {
    expect(matchSimulation(rules, { ...none, ips: ["198.51.100.7"] })).toContain("198[.]51[.]100[.]7");
    expect(matchSimulation(rules, { ...none, ips: ["2001:db8::1"] })).toContain("2001:db8::1");
    expect(matchSimulation(rules, { ...none, ips: ["198.51.101.7"] })).toBeUndefined();
  });

  it("refuse a range that is none, naming it", () => {
    expect(() => parseSimulationRules({ headers: "", domains: "", ips: "10.0.0.0/40" })).toThrow(
      'Simulation Sender IPs: "10.0.0.0/40" is not an address or a CIDR',
    );
  });
});

describe("the Phishing Triage package", () => {
  it("type-checks against the public SDK, as a user's package must", async () => {
    const integration = loadIntegrationPackage(`${PROJECT_ROOT}integrations/phishing-triage`, { builtin: true });
    expect(integration.actions.map((action) => action.name)).toEqual(["Assess Report"]);
    expect(await typeCheckIntegration(integration)).toEqual([]);
  }, 120_000);
});
