// The Phishing Triage integration's weighing and simulation rules, with synthetic feed matches and earlier cases.
import { describe, expect, it } from "vitest";
import type { ActionEntity, EarlierCase } from "intake/sdk";
import { assess, type ReportSignals } from "../../integrations/phishing-triage/lib/assess.js";
import type { IndicatorMatch } from "../../integrations/phishing-triage/lib/intel.js";
import { matchSimulation, parseSimulationRules } from "../../integrations/phishing-triage/lib/simulation.js";
import { loadIntegrationPackage } from "../../src/platform/catalog/package.js";
import { typeCheckIntegration } from "../../src/platform/catalog/typecheck.js";
import { PROJECT_ROOT } from "../support/cli.js";

const report: ReportSignals = { spf: "pass", dkim: "pass", dmarc: "pass", senderName: "Shop", senderAddress: "deals@shop.test" };
const entity = (entityType: string, identifier: string, additionalProperties: Record<string, string> = {}): ActionEntity => ({ entityType, identifier, additionalProperties });
const match = (overrides: Partial<IndicatorMatch>): IndicatorMatch => ({
  entityType: "URL", identifier: "http://evil.test/login", feed: "urlhaus", format: "urlhaus", reliability: "C", kind: "url", indicator: "http://evil.test/login",
  matchedBy: "exact", firstSeen: 0, lastSeen: 0, ...overrides,
});
const earlier = (caseId: number, value: "malicious" | "benign" | "suspicious", overridden: boolean, matched = [{ entityType: "URL", identifier: "http://evil.test/login" }]): EarlierCase => ({
  caseId, title: "x", status: "closed", closedReason: "done", createdAt: 0, verdict: { value, score: null, setBy: "alice", overridden, grounds: overridden ? "analyst" : "machine", decidedBy: overridden ? "analyst alice" : "alice" }, matched,
});

describe("assess", () => {
  it("calls a URL listed in a feed malicious, naming it defanged with its feed", () => {
    const result = assess({ reports: [report], entities: [], matches: [match({})], earlier: [] });
    expect(result.verdict).toBe("malicious");
    expect(result.score).toBeGreaterThanOrEqual(70);
    expect(result.reasons).toEqual(['URL hxxp://evil[.]test/login in URLhaus (feed "urlhaus")']);
  });

  it("says through which domain a subdomain matched", () => {
    const result = assess({ reports: [report], entities: [], matches: [match({ entityType: "DOMAIN", identifier: "a.b.evil.test", indicator: "evil.test", format: "stix", feed: "cti", matchedBy: "registered-domain" })], earlier: [] });
    expect(result.reasons[0]).toBe('DOMAIN a[.]b[.]evil[.]test in STIX (feed "cti"), listed as evil[.]test');
    expect(result.verdict).toBe("suspicious");
  });

  it("names a listed attachment by its file name, and by hash when it is not among the entities", () => {
    const hash = "b".repeat(64);
    const file = entity("FILE", "report.pdf", { sha256: hash, md5: "c".repeat(32) });
    const listed = match({ entityType: "FILE", identifier: hash, indicator: hash, kind: "sha256", feed: "misp", format: "misp", threat: "Payload delivery" });
    const result = assess({ reports: [report], entities: [file], matches: [listed], earlier: [] });
    expect(result).toMatchObject({ verdict: "malicious", reasons: [`attachment report[.]pdf (sha256 ${hash}) in MISP (feed "misp"): Payload delivery`] });
    expect(assess({ reports: [report], entities: [], matches: [listed], earlier: [] }).reasons).toEqual([`attachment ${hash} in MISP (feed "misp"): Payload delivery`]);
  });

  it("weighs a failed DMARC, a spoofed display name and an executable attachment to malicious", () => {
    const result = assess({
      reports: [{ spf: "fail", dmarc: "fail", senderName: "ceo@company.test", senderAddress: "x@mailer.test" }],
      entities: [entity("FILE", "invoice.pdf.exe", { sha256: "a".repeat(64) })], matches: [], earlier: [],
    });
    expect(result.verdict).toBe("malicious");
    expect(result.reasons).toEqual([
      "DMARC fail for x@mailer[.]test", "SPF fail for x@mailer[.]test", "the display name shows ceo@company[.]test but the message comes from x@mailer[.]test",
      "attachment invoice[.]pdf[.]exe is executable",
    ]);
  });

  it("finds a lookalike domain suspicious, not malicious, on its own", () => {
    const result = assess({ reports: [report], entities: [entity("DOMAIN", "xn--pple-43d.test", { homograph: "true", scripts: "Latin,Cyrillic" })], matches: [], earlier: [] });
    expect(result).toMatchObject({ verdict: "suspicious", score: 30 });
  });

  it("uses an analyst's earlier malicious override as conclusive, and their benign one only for a clean, authenticated report", () => {
    expect(assess({ reports: [report], entities: [], matches: [], earlier: [earlier(12, "malicious", true)] })).toMatchObject({
      verdict: "malicious", reasons: ["URL hxxp://evil[.]test/login: seen in case #12, closed as malicious by an analyst"],
    });
    expect(assess({ reports: [report], entities: [], matches: [], earlier: [earlier(13, "malicious", true, [{ entityType: "DOMAIN", identifier: "mail.test" }])] })).toMatchObject({
      verdict: "unknown", score: 20, reasons: ["DOMAIN mail[.]test: seen in case #13, closed as malicious by an analyst"],
    });
    expect(assess({ reports: [report], entities: [], matches: [], earlier: [earlier(7, "benign", true)] }).verdict).toBe("benign");
    expect(assess({ reports: [{ ...report, dmarc: "fail" }], entities: [], matches: [], earlier: [earlier(7, "benign", true)] }).verdict).not.toBe("benign");
    expect(assess({ reports: [report], entities: [], matches: [], earlier: [earlier(7, "benign", false)] }).verdict).toBe("unknown");
  });

  it("says unknown with a reason when nothing points either way", () => {
    expect(assess({ reports: [report], entities: [], matches: [], earlier: [] })).toEqual({ verdict: "unknown", score: 0, reasons: ["nothing in the feeds, earlier cases or the message's signals points either way"] });
  });

  it("lets a simulation win over everything else", () => {
    expect(assess({ reports: [report], entities: [], matches: [match({})], earlier: [], simulation: "rule" })).toEqual({ verdict: "simulation", score: 0, reasons: ["a phishing simulation: rule"] });
  });
});

describe("simulation rules", () => {
  const rules = parseSimulationRules({ headers: "X-PhishTest, X-Vendor: Trainer", domains: "sim.test", ips: "198.51.100.0/24, 2001:db8::/32" });
  const none = { headers: {}, senderAddress: "a@other.test", ips: [] };

  it("match a header by name, or by name and value without regard to case", () => {
    expect(matchSimulation(rules, { ...none, headers: { "x-phishtest": "anything" } })).toBe('header x-phishtest present (setting "Simulation Headers")');
    expect(matchSimulation(rules, { ...none, headers: { "x-vendor": " trainer " } })).toBe('header x-vendor: Trainer (setting "Simulation Headers")');
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
    expect(() => parseSimulationRules({ headers: "", domains: "", ips: "10.0.0.0/40" })).toThrow('Simulation Sender IPs: "10.0.0.0/40" is not an address or a CIDR');
  });
});

describe("the Phishing Triage package", () => {
  it("type-checks against the public SDK, as a user's package must", async () => {
    const integration = loadIntegrationPackage(`${PROJECT_ROOT}integrations/phishing-triage`, { builtin: true });
    expect(integration.actions.map((action) => action.name)).toEqual(["Assess Report"]);
    expect(await typeCheckIntegration(integration)).toEqual([]);
  }, 120_000);
});
