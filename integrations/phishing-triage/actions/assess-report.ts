// Assess Report: gathers a reported email's indicators and signals, asks the feeds and earlier cases, and
// sets the case's verdict with its reasons; raises malicious cases, closes simulations (and benign ones when asked).
import { ActionExecution, Priority, type ActionEntity, type CaseAlert } from "intake/sdk";
import { assess, type ReportSignals } from "../lib/assess.js";
import { lookupIndicators, type IndicatorQuery } from "../lib/intel.js";
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

function reportSignals(alert: CaseAlert): ReportSignals {
  const event = alert.events[0] ?? {};
  const spf = textField(event.SpfResult);
  const dkim = textField(event.DkimResult);
  const dmarc = textField(event.DmarcResult);
  return {
    ...(spf ? { spf } : {}), ...(dkim ? { dkim } : {}), ...(dmarc ? { dmarc } : {}),
    senderName: String(event.SourceUserName ?? ""), senderAddress: String(event.SourceEmailAddress ?? ""),
  };
}

function headersOf(alert: CaseAlert): Record<string, string> {
  const headers = alert.events[0]?.Headers;
  if (!headers || typeof headers !== "object") return {};
  return Object.fromEntries(Object.entries(headers as Record<string, unknown>).filter(([, value]) => typeof value === "string").map(([name, value]) => [name.toLowerCase(), value as string]));
}

/** The indicators to look up: the reported message's own (the reporter's signature and address left out). */
function queriesOf(entities: ActionEntity[]): IndicatorQuery[] {
  const queries: IndicatorQuery[] = [];
  for (const entity of entities) {
    if (entity.entityType === "FILE") {
      const sha256 = entity.additionalProperties.sha256;
      if (sha256) queries.push({ entityType: "FILE", identifier: sha256 });
    } else if (entity.entityType === "EMAIL_ADDRESS") {
      if (entity.role === "sender") queries.push({ entityType: "EMAIL_ADDRESS", identifier: entity.identifier });
    } else if (!(entity.entityType === "IP" && entity.isInternal)) {
      queries.push({ entityType: entity.entityType, identifier: entity.identifier });
    }
  }
  return queries;
}

export default async function main(execution: ActionExecution): Promise<void> {
  const flag = (name: string, fallback: string) => String(execution.extractActionParam(name, { defaultValue: fallback })).trim().toLowerCase() === "true";
  const autoCloseSimulation = flag("Auto Close Simulation", "true");
  const autoCloseBenign = flag("Auto Close Benign", "false");
  // Read here and handed on in the JSON result: a playbook's condition compares earlier steps' results.
  const replyToReporter = flag("Reply To Reporter", "true");
  const rules = parseSimulationRules({
    headers: String(execution.extractActionParam("Simulation Headers", { defaultValue: "" })),
    domains: String(execution.extractActionParam("Simulation Sender Domains", { defaultValue: "" })),
    ips: String(execution.extractActionParam("Simulation Sender IPs", { defaultValue: "" })),
  });
  const defaultLanguage = String(execution.extractActionParam("Default Language", { defaultValue: "en" })).trim().toLowerCase();

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

  const queries = queriesOf(entities);
  const matches = simulation ? [] : await lookupIndicators(execution, queries.filter((query) => query.entityType !== "EMAIL_ADDRESS"));
  const earlier = simulation ? [] : await execution.findEarlierCases(queries);
  const assessment = assess({ reports: alerts.map(reportSignals), entities, matches, earlier, ...(simulation ? { simulation } : {}) });
  execution.logger.info(`verdict ${assessment.verdict} (score ${assessment.score}) from ${queries.length} indicators, ${matches.length} feed matches, ${earlier.length} earlier cases`);

  execution.setCaseVerdict({ value: assessment.verdict, score: assessment.score, reasons: assessment.reasons });
  if (assessment.verdict === "malicious" && execution.currentCase.priority < Priority.HIGH) execution.setCasePriority(Priority.HIGH);
  let closed: string | undefined;
  if (assessment.verdict === "simulation" && autoCloseSimulation) closed = `simulation: ${simulation}; closed by the "Auto Close Simulation" setting of Phishing Triage`;
  if (assessment.verdict === "benign" && autoCloseBenign) closed = `benign: ${assessment.reasons[0] ?? ""}; closed by the "Auto Close Benign" setting of Phishing Triage`;
  if (closed) execution.closeCase(closed);

  const reported = alerts.map((alert) => textField(alert.events[0]?.ReportLanguage)).find((language) => language && LANGUAGES.has(language.slice(0, 2)));
  const language = reported?.slice(0, 2) ?? (LANGUAGES.has(defaultLanguage) ? defaultLanguage : "en");
  execution.result.addResultJson({
    verdict: assessment.verdict, score: assessment.score, reasons: assessment.reasons, reasonsText: assessment.reasons.map((reason) => `- ${reason}`).join("\n"),
    language, replyToReporter, ...(closed ? { closed } : {}),
  });
  execution.end(`${assessment.verdict} (score ${assessment.score}): ${assessment.reasons[0] ?? ""}`, assessment.verdict);
}
