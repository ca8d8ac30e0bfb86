// Assess Report: gathers a reported email's indicators and signals, asks the feeds and earlier cases, and
// sets the case's verdict with its reasons; raises malicious cases, closes simulations (and benign ones when asked).
import {
  type ActionExecution,
  believedAuthResult,
  MAX_EARLIER_QUERIES,
  Priority,
  type ActionEntity,
  type AuthResult,
  type CaseAlert,
} from "intake/sdk";
import { assess, type Prevalence, type ReportSignals } from "../lib/assess.js";
import { lookupIndicators, type IndicatorQuery } from "../lib/intel.js";
import { LIST_NAMES, parseBrands, parseVips, siteOf, splitSetting, type Policy } from "../lib/policy.js";
import { matchSimulation, parseSimulationRules } from "../lib/simulation.js";

const LANGUAGES = new Set(["en", "ko"]);

/** The depth of the reported message inside an alert's report (0: the report is the message itself). */
function reportedDepth(alert: CaseAlert): number {
  const depth = Number(alert.events[0]?.ForwardDepth ?? 0);
  return Number.isInteger(depth) && depth > 0 ? depth : 0;
}

function textField(value: unknown): string | undefined {
  return typeof value === "string" && value ? value.toLowerCase() : undefined;
}

/** The Authentication-Results of the reported message as the connector read them (older cases: the combined fields). */
function authResultsOf(event: Record<string, unknown>): AuthResult[] {
  if (Array.isArray(event.AuthResults))
    return (event.AuthResults as unknown[]).filter((item): item is AuthResult => !!item && typeof item === "object").slice(0, 20);
  const server = typeof event.AuthServer === "string" ? event.AuthServer : "";
  const spf = textField(event.SpfResult);
  const dkim = textField(event.DkimResult);
  const dmarc = textField(event.DmarcResult);
  if (!spf && !dkim && !dmarc) return [];
  return [{ authservId: server, ...(spf ? { spf } : {}), ...(dkim ? { dkim } : {}), ...(dmarc ? { dmarc } : {}) }];
}

/** "Name <a@b>, c@d" → the addresses. */
function addressesIn(text: unknown): string[] {
  if (typeof text !== "string") return [];
  return text
    .slice(0, 2000)
    .split(/[\s,;<>()"]+/)
    .filter((word) => word.includes("@"))
    .map((word) => word.toLowerCase())
    .slice(0, 10);
}

function reportSignals(alert: CaseAlert, trusted: string[]): ReportSignals {
  const event = alert.events[0] ?? {};
  const results = authResultsOf(event);
  const receivedBy = typeof event.ReceivedBy === "string" ? event.ReceivedBy : undefined;
  const auth = believedAuthResult(results, receivedBy, trusted);
  const dataUris = Number(event.DataUriLinks ?? 0);
  return {
    senderName: String(event.SourceUserName ?? ""),
    senderAddress: String(event.SourceEmailAddress ?? "").toLowerCase(),
    replyTo: addressesIn(event.ReplyTo),
    ...(auth ? { auth, authServer: auth.authservId || receivedBy || "" } : {}),
    untrustedAuth: !auth && results.length > 0,
    ...(Number.isFinite(dataUris) && dataUris > 0 ? { dataUriLinks: dataUris } : {}),
    inline: event.ReportedAs === "forwarded inline",
  };
}

/** The organisation's settings and the admins' custom lists. */
async function policyOf(execution: ActionExecution, reporterDomains: string): Promise<Policy> {
  const list = (name: string) => execution.getCustomList(name);
  const [shared, shorteners, brands, vips] = await Promise.all([
    list(LIST_NAMES.shared),
    list(LIST_NAMES.shorteners),
    list(LIST_NAMES.brands),
    list(LIST_NAMES.vips),
  ]);
  return {
    orgDomains: splitSetting(reporterDomains),
    sharedInfrastructure: new Set(shared.map((entry) => entry.toLowerCase())),
    shorteners: new Set(shorteners.map((entry) => entry.toLowerCase())),
    brands: parseBrands(brands),
    vips: parseVips(vips),
  };
}

function headersOf(alert: CaseAlert): Record<string, string> {
  const headers = alert.events[0]?.Headers;
  if (!headers || typeof headers !== "object") return {};
  return Object.fromEntries(
    Object.entries(headers as Record<string, unknown>)
      .filter(([, value]) => typeof value === "string")
      .map(([name, value]) => [name.toLowerCase(), value as string]),
  );
}

/**
 * The indicators to ask about: for the feeds, the reported message's own, its sender's domain included; for earlier
 * cases (`specificOnly`), only what is specific to one message — a link a reader clicks, a file's hash, the sender's
 * address: domains and IPs are shared by honest and hostile mail alike.
 */
function queriesOf(entities: ActionEntity[], specificOnly: boolean): IndicatorQuery[] {
  const queries: IndicatorQuery[] = [];
  for (const entity of entities) {
    const type = entity.entityType;
    if (type === "FILE") {
      const sha256 = entity.additionalProperties.sha256;
      if (sha256) queries.push({ entityType: "FILE", identifier: sha256 });
    } else if (type === "EMAIL_ADDRESS") {
      if (entity.role === "sender") queries.push({ entityType: "EMAIL_ADDRESS", identifier: entity.identifier });
    } else if (specificOnly ? type === "URL" && entity.additionalProperties.clickable !== "false" : !(type === "IP" && entity.isInternal)) {
      queries.push({ entityType: type, identifier: entity.identifier });
    }
  }
  return queries;
}

export default async function main(execution: ActionExecution): Promise<void> {
  const flag = (name: string, fallback: string) =>
    String(execution.extractActionParam(name, { defaultValue: fallback }))
      .trim()
      .toLowerCase() === "true";
  const autoCloseSimulation = flag("Auto Close Simulation", "true");
  const autoCloseBenign = flag("Auto Close Benign", "false");
  // Read here and handed on in the JSON result: a playbook's condition compares earlier steps' results.
  const replyToReporter = flag("Reply To Reporter", "true");
  const purgeWithoutApproval = flag("Purge Without Approval For Feed Matches", "false");
  const rules = parseSimulationRules({
    headers: String(execution.extractActionParam("Simulation Headers", { defaultValue: "" })),
    domains: String(execution.extractActionParam("Simulation Sender Domains", { defaultValue: "" })),
    ips: String(execution.extractActionParam("Simulation Sender IPs", { defaultValue: "" })),
  });
  const defaultLanguage = String(execution.extractActionParam("Default Language", { defaultValue: "en" }))
    .trim()
    .toLowerCase();
  const reporterDomains = String(execution.extractActionParam("Reporter Domains", { defaultValue: "" }));
  const trusted = splitSetting(String(execution.extractActionParam("Trusted Authentication Servers", { defaultValue: "" })));

  const alerts = execution.currentCase.alerts;
  // The least depth of a reported message: entities above it belong to the reporter's own mail.
  const depth = alerts.length ? Math.min(...alerts.map(reportedDepth)) : 0;
  const entities = execution.targetEntities.filter((entity) => (entity.depth ?? 0) >= depth && entity.role !== "reporter");

  let simulation: string | undefined;
  for (const alert of alerts) {
    const event = alert.events[0] ?? {};
    const ips = entities.filter((entity) => entity.entityType === "IP").map((entity) => entity.identifier);
    simulation = matchSimulation(rules, { headers: headersOf(alert), senderAddress: String(event.SourceEmailAddress ?? ""), ips });
    if (simulation) break;
  }

  const queries = queriesOf(entities, false);
  const matches = simulation ? [] : await lookupIndicators(execution, queries);
  const earlier = simulation ? [] : await execution.findEarlierCases(queriesOf(entities, true).slice(0, MAX_EARLIER_QUERIES));
  const sites = [...new Set(entities.filter((entity) => entity.entityType === "DOMAIN").map((entity) => siteOf(entity.identifier)))].slice(
    0,
    200,
  );
  const prevalence: Record<string, Prevalence> = simulation || sites.length === 0 ? {} : await execution.domainPrevalence(sites);
  const policy = await policyOf(execution, reporterDomains);
  const assessment = assess({
    reports: alerts.map((alert) => reportSignals(alert, trusted)),
    entities,
    matches,
    earlier,
    prevalence,
    policy,
    ...(simulation ? { simulation } : {}),
  });
  execution.logger.info(
    `verdict ${assessment.verdict} (score ${assessment.score}) from ${queries.length} indicators, ` +
      `${matches.length} feed matches, ${earlier.length} earlier cases`,
  );

  execution.setCaseVerdict({
    value: assessment.verdict,
    score: assessment.score,
    reasons: assessment.reasons,
    evidence: assessment.evidence,
  });
  if (assessment.verdict === "malicious" && execution.currentCase.priority < Priority.HIGH) execution.setCasePriority(Priority.HIGH);
  let closed: string | undefined;
  if (assessment.verdict === "simulation" && autoCloseSimulation)
    closed = `simulation: ${simulation}; closed by the "Auto Close Simulation" setting of Phishing Triage`;
  if (assessment.verdict === "benign" && autoCloseBenign)
    closed = `benign: ${assessment.reasons[0] ?? ""}; closed by the "Auto Close Benign" setting of Phishing Triage`;
  if (closed) execution.closeCase(closed);

  // A malicious verdict proposes cleaning every mailbox: with an analyst's approval, or without it when the
  // setting allows and a feed of grade C or better lists a link of the message (handed on for the steps' conditions).
  const feedListedLink = matches.some(
    (match) =>
      match.entityType === "URL" &&
      match.kind === "url" &&
      "ABC".includes((match.reliability ?? "C").toUpperCase()) &&
      entities.some(
        (entity) =>
          entity.entityType === "URL" && entity.identifier === match.identifier && entity.additionalProperties.clickable !== "false",
      ),
  );
  const purge = assessment.verdict !== "malicious" ? "none" : purgeWithoutApproval && feedListedLink ? "auto" : "approval";
  const reported = alerts
    .map((alert) => textField(alert.events[0]?.ReportLanguage))
    .find((language) => language && LANGUAGES.has(language.slice(0, 2)));
  const language = reported?.slice(0, 2) ?? (LANGUAGES.has(defaultLanguage) ? defaultLanguage : "en");
  execution.result.addResultJson({
    verdict: assessment.verdict,
    score: assessment.score,
    reasons: assessment.reasons,
    evidence: assessment.evidence,
    reasonsText: assessment.reasons.map((reason) => `- ${reason}`).join("\n"),
    language,
    replyToReporter,
    purge,
    ...(closed ? { closed } : {}),
  });
  execution.end(`${assessment.verdict} (score ${assessment.score}): ${assessment.reasons[0] ?? ""}`, assessment.verdict);
}
