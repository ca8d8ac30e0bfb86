// Weighs what is known of a report into a verdict, a score and reasons: feed matches, earlier cases, the
// mail's own signals (authentication, lookalike domains, display name, attachments), simulations. Pure:
// the action gathers the facts, this decides.
import { defang, type ActionEntity, type EarlierCase, type Verdict } from "intake/sdk";
import type { IndicatorMatch } from "./intel.js";

export interface ReportSignals {
  spf?: string;
  dkim?: string;
  dmarc?: string;
  /** The reported message's From: display name and address. */
  senderName: string;
  senderAddress: string;
}

export interface AssessInput {
  /** One per alert of the case (a campaign case has several). */
  reports: ReportSignals[];
  /** The reported messages' entities (the reporter's own left out). */
  entities: ActionEntity[];
  matches: IndicatorMatch[];
  earlier: EarlierCase[];
  /** The simulation rule the report matched, as a reason. */
  simulation?: string;
}

export interface Assessment {
  verdict: Verdict;
  score: number;
  reasons: string[];
}

/** Score from which a report is malicious, and suspicious. */
export const MALICIOUS_SCORE = 70;
export const SUSPICIOUS_SCORE = 30;

const FORMAT_NAMES: Record<string, string> = { urlhaus: "URLhaus", phishtank: "PhishTank", openphish: "OpenPhish", misp: "MISP", stix: "STIX" };
/** Extensions that run when opened, and Office formats that carry macros. */
const EXECUTABLE = new Set(["exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "wsf", "hta", "ps1", "msi", "lnk", "iso", "img", "jar", "cpl", "dll"]);
const MACRO = new Set(["docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "sldm"]);

const FAILED = new Set(["fail", "softfail", "permerror"]);

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
}

function matchReason(match: IndicatorMatch, entities: ActionEntity[]): string {
  const source = `${FORMAT_NAMES[match.format] ?? match.format} (feed ${JSON.stringify(match.feed)})`;
  const threat = match.threat ? `: ${match.threat}` : "";
  if (match.entityType === "FILE") {
    // Files are looked up by hash; the reporter knows them by name.
    const hash = match.identifier.toLowerCase();
    const file = entities.find((entity) => entity.entityType === "FILE" && Object.values(entity.additionalProperties).some((value) => value.toLowerCase() === hash));
    return `attachment ${file ? `${defang(file.identifier)} (sha256 ${hash})` : hash} in ${source}${threat}`;
  }
  const listed = match.indicator !== match.identifier ? `, listed as ${defang(match.indicator)}` : "";
  return `${match.entityType} ${defang(match.identifier)} in ${source}${listed}${threat}`;
}

/** How strongly a feed match speaks: a listed URL or file is the thing itself; a domain or IP may be shared. */
function matchWeight(match: IndicatorMatch): number {
  if (match.entityType === "URL" || match.entityType === "FILE") return 80;
  if (match.entityType === "DOMAIN") return match.matchedBy === "registered-domain" ? 50 : 60;
  return 40;
}

function earlierReason(earlier: EarlierCase): string {
  const by = earlier.matched.slice(0, 3).map((item) => `${item.entityType} ${defang(item.identifier)}`).join(", ");
  const verdict = earlier.verdict ? `${earlier.status === "closed" ? "closed" : "judged"} as ${earlier.verdict.value}${earlier.verdict.overridden ? " by an analyst" : ""}` : earlier.status;
  return `${by}: seen in case #${earlier.caseId}, ${verdict}`;
}

/** The display name shows an address other than the one the message comes from. */
function spoofedDisplayName(report: ReportSignals): string | undefined {
  const shown = /[^\s<>"'@]+@[^\s<>"'@]+\.[^\s<>"'@]+/.exec(report.senderName)?.[0];
  if (!shown || !report.senderAddress) return undefined;
  return shown.toLowerCase() === report.senderAddress.toLowerCase() ? undefined : shown;
}

export function assess(input: AssessInput): Assessment {
  if (input.simulation) return { verdict: "simulation", score: 0, reasons: [`a phishing simulation: ${input.simulation}`] };
  const reasons: string[] = [];
  let score = 0;
  let conclusive = false;
  const add = (weight: number, reason: string) => {
    score += weight;
    if (!reasons.includes(reason)) reasons.push(reason);
  };

  for (const match of input.matches) {
    add(matchWeight(match), matchReason(match, input.entities));
    if (match.entityType === "URL" || match.entityType === "FILE") conclusive = true;
  }
  let benignBefore = false;
  for (const earlier of input.earlier) {
    const value = earlier.verdict?.value;
    // A shared domain or IP (a webmail provider's) says less than the same link, file or sender.
    const specific = earlier.matched.some((item) => item.entityType === "URL" || item.entityType === "FILE" || item.entityType === "EMAIL_ADDRESS");
    if (value === "malicious") {
      add(specific ? 60 : 20, earlierReason(earlier));
      if (specific) conclusive = true;
    } else if (value === "suspicious") add(specific ? 20 : 10, earlierReason(earlier));
    else if (value === "benign" && earlier.verdict?.overridden) benignBefore = true;
  }

  let authenticated = input.reports.length > 0;
  for (const report of input.reports) {
    const sender = defang(report.senderAddress || "(no address)");
    if (report.dmarc && FAILED.has(report.dmarc)) add(25, `DMARC ${report.dmarc} for ${sender}`);
    if (report.spf && FAILED.has(report.spf)) add(report.spf === "softfail" ? 5 : 10, `SPF ${report.spf} for ${sender}`);
    if (report.dkim && FAILED.has(report.dkim)) add(10, `DKIM ${report.dkim} for ${sender}`);
    if (report.dmarc !== "pass" || report.spf !== "pass") authenticated = false;
    const shown = spoofedDisplayName(report);
    if (shown) add(20, `the display name shows ${defang(shown)} but the message comes from ${sender}`);
  }

  for (const entity of input.entities) {
    const properties = entity.additionalProperties;
    if (entity.entityType === "DOMAIN") {
      if (properties.homograph === "true") add(30, `DOMAIN ${defang(entity.identifier)} mixes scripts (${properties.scripts ?? "lookalike letters"}): a lookalike domain`);
      else if (properties.idn === "true") add(10, `DOMAIN ${defang(entity.identifier)} is an international (IDN) domain, shown as ${defang(properties.unicode ?? entity.identifier)}`);
    }
    if (entity.entityType === "FILE") {
      // Defanged too: a name like "invoice.com" would become a link in the reply a reporter reads.
      const name = defang(entity.identifier);
      const extension = extensionOf(entity.identifier);
      const sniffed = (properties.sniffed_type ?? "").toLowerCase();
      if (EXECUTABLE.has(extension) || sniffed.includes("executable") || sniffed.includes("x-msdownload")) add(35, `attachment ${name} is executable`);
      else if (MACRO.has(extension)) add(25, `attachment ${name} is an Office file with macros`);
      if (properties.type_mismatch === "true") add(15, `attachment ${name} is not the type its name says (${properties.sniffed_type ?? "?"})`);
    }
  }

  const bounded = Math.min(100, score);
  if (conclusive || bounded >= MALICIOUS_SCORE) return { verdict: "malicious", score: Math.max(bounded, MALICIOUS_SCORE), reasons };
  if (bounded >= SUSPICIOUS_SCORE) return { verdict: "suspicious", score: bounded, reasons };
  if (bounded === 0 && benignBefore && authenticated) {
    const earlier = input.earlier.find((item) => item.verdict?.value === "benign" && item.verdict.overridden)!;
    return { verdict: "benign", score: 0, reasons: [`${earlierReason(earlier)}; SPF and DMARC pass`] };
  }
  return { verdict: "unknown", score: bounded, reasons: reasons.length ? reasons : ["nothing in the feeds, earlier cases or the message's signals points either way"] };
}
