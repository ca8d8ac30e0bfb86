// Who gets a reply to a report, and how it is threaded: the safe-recipient rules of "Reply To Reporter".
// Only the person who sent the report in is ever answered, never the reported sender or anyone the
// reported message names; a report that is the suspect message itself has no reporter to answer.
import { believedAuthResult, EMAIL_ADDRESS_PATTERN, MESSAGE_ID_PATTERN, type AuthResult, type CurrentCase } from "intake/sdk";

export interface PlannedReply {
  /** The alert (report) answered. */
  alert: string;
  to: string;
  /** The reporter's subject (what they sent us), for `Re: …`. */
  subject: string;
  /** The report's Message-ID, <…>: In-Reply-To and References. */
  messageId: string | undefined;
  language: string;
}

export interface SkippedReport {
  alert: string;
  reason: string;
}

/** Text of an event field (events hold what the connector returned). */
function field(event: Record<string, unknown>, name: string): string {
  const value = event[name];
  return typeof value === "string" ? value.trim() : "";
}

/** Every address in a header's text ("Name <a@b>, c@d"): what the reported message names. */
function addressesIn(text: string): string[] {
  const found: string[] = [];
  for (const word of text.split(/[\s,;<>()"]+/)) if (word.includes("@")) found.push(word.toLowerCase());
  return found;
}

/** Who may be answered: the organisation's own domains, and the servers whose Authentication-Results count. */
export interface ReplyPolicy {
  /** "Reporter Domains": a reporter outside them is never answered. */
  reporterDomains: string[];
  /** "Trusted Authentication Servers": authserv-ids (or receiving hosts) our own MX writes. */
  trustedServers: string[];
}

/** "a.com, B.com" → ["a.com", "b.com"]. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}

function within(domain: string, domains: string[]): boolean {
  return domains.some((candidate) => domain === candidate || domain.endsWith(`.${candidate}`));
}

function authResultsOf(value: unknown): AuthResult[] {
  return Array.isArray(value) ? value.filter((item): item is AuthResult => !!item && typeof item === "object").slice(0, 20) : [];
}

/**
 * Why the report's own sender cannot be believed to be the reporter it names, or undefined when our own server
 * authenticated it: DMARC pass, SPF or DKIM pass for a reporter domain, or SMTP AUTH at our server.
 */
export function reporterDoubt(event: Record<string, unknown>, reporter: string, policy: ReplyPolicy): string | undefined {
  const forwarded = typeof event.ForwardDepth === "number" || typeof event.ReporterEmailAddress === "string";
  const results = authResultsOf(forwarded ? event.ReporterAuthResults : event.AuthResults);
  const receivedBy = field(event, forwarded ? "ReporterReceivedBy" : "ReceivedBy");
  if (policy.trustedServers.length === 0) return 'no "Trusted Authentication Servers" are set: the report\'s sender cannot be verified';
  const auth = believedAuthResult(results, receivedBy, policy.trustedServers);
  if (!auth)
    return results.length
      ? "the report's Authentication-Results were not written by a Trusted Authentication Server"
      : "the report carries no Authentication-Results from our mail server";
  const domain = reporter.slice(reporter.lastIndexOf("@") + 1);
  const server = auth.authservId || receivedBy;
  if (auth.dmarc === "pass" && (!auth.dmarcDomain || auth.dmarcDomain.toLowerCase() === domain)) return undefined;
  if (auth.auth === "pass") return undefined;
  if (auth.spf === "pass" && auth.spfDomain && within(auth.spfDomain.toLowerCase(), policy.reporterDomains)) return undefined;
  if (auth.dkim === "pass" && (auth.dkimDomains ?? []).some((d) => within(d.toLowerCase(), policy.reporterDomains))) return undefined;
  return (
    `${server} did not authenticate the report's sender ` +
    `(dmarc=${auth.dmarc ?? "none"}, spf=${auth.spf ?? "none"}, dkim=${auth.dkim ?? "none"})`
  );
}

/** A Message-ID as a header wants it: <id>. */
export function asMessageId(id: string): string | undefined {
  const bracketed = id.startsWith("<") ? id : `<${id}>`;
  return id && MESSAGE_ID_PATTERN.test(bracketed) ? bracketed : undefined;
}

/** "ko-KR" → "ko"; only languages with templates, else the default. */
function languageOf(tag: string, fallback: string): string {
  const primary = tag.split(/[-_]/)[0]!.toLowerCase();
  return primary === "en" || primary === "ko" ? primary : fallback;
}

/**
 * One reply per report of the case (a campaign: each reporter once, to their first report), to the
 * report's From when staff forwarded the suspect mail; skipped, with the reason, when the report is the
 * suspect mail itself, has no usable address, its reporter is someone the suspect mail names as its
 * sender, Reply-To or Return-Path, is outside the organisation's domains, or our own mail server did not
 * authenticate the report (anyone can write a From: a forged staff address must not make us mail anyone).
 */
export function planReplies(
  currentCase: CurrentCase,
  defaultLanguage: string,
  policy: ReplyPolicy,
): { replies: PlannedReply[]; skipped: SkippedReport[] } {
  const replies: PlannedReply[] = [];
  const skipped: SkippedReport[] = [];
  const answered = new Set<string>();
  const fallback = languageOf(defaultLanguage, "en");
  for (const alert of currentCase.alerts) {
    const event = alert.events[0] ?? {};
    const skip = (reason: string) => skipped.push({ alert: alert.identifier, reason });
    const reportedAs = field(event, "ReportedAs");
    // A message that was not forwarded is the suspect mail itself: its From is the suspect sender.
    if (!reportedAs.startsWith("forwarded")) {
      skip(`the report is the suspect message itself (${reportedAs || "not forwarded"}): its sender is not a reporter`);
      continue;
    }
    const reporter = field(event, "ReporterEmailAddress").toLowerCase();
    if (!EMAIL_ADDRESS_PATTERN.test(reporter)) {
      skip(reporter ? `the report's From is not one usable address` : "the report has no From address");
      continue;
    }
    const suspects = new Set([
      field(event, "SourceEmailAddress").toLowerCase(),
      ...addressesIn(field(event, "ReplyTo")),
      ...addressesIn(field(event, "ReturnPath")),
    ]);
    if (suspects.has(reporter)) {
      skip("the reporter's address is the suspect message's sender, Reply-To or Return-Path");
      continue;
    }
    if (policy.reporterDomains.length === 0) {
      skip('no "Reporter Domains" are set (the organisation\'s mail domains): only reporters in them are answered');
      continue;
    }
    if (!within(reporter.slice(reporter.lastIndexOf("@") + 1), policy.reporterDomains)) {
      skip(`the reporter ${reporter} is not in the organisation's domains (${policy.reporterDomains.join(", ")})`);
      continue;
    }
    const doubt = reporterDoubt(event, reporter, policy);
    if (doubt) {
      skip(`the report from ${reporter} is not authenticated: ${doubt}`);
      continue;
    }
    if (answered.has(reporter)) {
      skip(`the reporter ${reporter} is answered once, for an earlier report of this case`);
      continue;
    }
    answered.add(reporter);
    replies.push({
      alert: alert.identifier,
      to: reporter,
      subject: field(event, "ReporterSubject") || field(event, "Subject"),
      messageId: asMessageId(field(event, "MessageId")),
      language: languageOf(field(event, "ReportLanguage"), fallback),
    });
  }
  return { replies, skipped };
}
