// Weighs what is known of a report into a verdict, a score and reasons, each reason with its weight and evidence:
// feed matches by their source's reliability, earlier cases that a person or a feed decided (never a verdict made from
// other verdicts), the reported message's own signals (authentication from our own servers only, lookalikes, display
// names, links, attachments, QR codes), simulations. Shared infrastructure says nothing. Pure: the action gathers the
// facts, this decides.
import { defang, feedFormat, type ActionEntity, type AuthResult, type EarlierCase, type Verdict, type VerdictEvidence } from "intake/sdk";
import type { IndicatorMatch } from "./intel.js";
import { lookalikeOf } from "./lookalike.js";
import {
  brandsOfHost,
  containsWords,
  emptyPolicy,
  isOrgDomain,
  isShared,
  isShortener,
  isWithin,
  isWithinAny,
  privateSuffixOf,
  siteOf,
  wordsOf,
  type Policy,
} from "./policy.js";

export interface ReportSignals {
  /** The reported message's From: display name and address. */
  senderName: string;
  senderAddress: string;
  /** Its Reply-To addresses. */
  replyTo: string[];
  /** Its Authentication-Results header written by a Trusted Authentication Server; undefined when none is. */
  auth?: AuthResult;
  /** Which server wrote `auth` (its authserv-id, or the receiving host for a header without one). */
  authServer?: string;
  /** It carries Authentication-Results headers, none of them from a trusted server. */
  untrustedAuth?: boolean;
  /** data: URIs among its links and resources. */
  dataUriLinks?: number;
  /** Read from the text of an inline forward (no headers of its own). */
  inline?: boolean;
}

export interface Prevalence {
  cases: number;
  malicious: number;
  benign: number;
}

export interface AssessInput {
  /** One per alert of the case (a campaign case has several). */
  reports: ReportSignals[];
  /** The reported messages' entities (the reporter's own left out). */
  entities: ActionEntity[];
  matches: IndicatorMatch[];
  earlier: EarlierCase[];
  /** Earlier cases per registrable domain: a domain in many cases of both verdicts is shared. */
  prevalence?: Record<string, Prevalence>;
  policy?: Policy;
  /** The simulation rule the report matched, as a reason. */
  simulation?: string;
}

export interface Assessment {
  verdict: Verdict;
  score: number;
  reasons: string[];
  evidence: VerdictEvidence[];
}

/** Score from which a report is malicious, and suspicious. */
export const MALICIOUS_SCORE = 70;
export const SUSPICIOUS_SCORE = 30;

/** XSOAR's source reliability: how much of a feed's word counts. */
export const RELIABILITY_FACTOR: Record<string, number> = { A: 1, B: 0.9, C: 0.75, D: 0.45, E: 0.25, F: 0.5 };
const _RELIABILITY_NAME: Record<string, string> = {
  A: "A, completely reliable",
  B: "B, usually reliable",
  C: "C, fairly reliable",
  D: "D, not usually reliable",
  E: "E, unreliable",
  F: "F, reliability cannot be judged",
};

/** Extensions that run when opened, and Office formats that carry macros. */
const EXECUTABLE = new Set([
  "exe",
  "scr",
  "com",
  "pif",
  "bat",
  "cmd",
  "js",
  "jse",
  "vbs",
  "vbe",
  "wsf",
  "hta",
  "ps1",
  "msi",
  "lnk",
  "iso",
  "img",
  "jar",
  "cpl",
  "dll",
]);
const MACRO = new Set(["docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "sldm"]);
const HTML = new Set(["htm", "html", "shtml", "xhtml", "svg"]);
const FAILED = new Set(["fail", "softfail", "permerror"]);
/** Webmail a Reply-To elsewhere often points to (the money goes there). */
const WEBMAIL = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "yahoo.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "naver.com",
  "daum.net",
  "hanmail.net",
  "nate.com",
  "mail.ru",
  "yandex.ru",
  "gmx.com",
  "icloud.com",
]);
/** Roles a phisher signs as ("Mail Administrator", "IT Help Desk"): from outside our domains and brands', a disguise. */
const ROLE_NAMES = [
  ["mail", "administrator"],
  ["email", "administrator"],
  ["webmail"],
  ["mailbox", "administrator"],
  ["system", "administrator"],
  ["help", "desk"],
  ["helpdesk"],
  ["it", "support"],
  ["it", "service", "desk"],
  ["service", "desk"],
  ["security", "team"],
  ["account", "team"],
  ["admin", "team"],
  ["mail", "server"],
  ["postmaster"],
  ["관리자"],
  ["보안팀"],
  ["고객센터"],
  ["헬프데스크"],
];
/** Path words of a page that asks for a password. */
const CREDENTIAL_WORDS = [
  "login",
  "log-in",
  "logon",
  "signin",
  "sign-in",
  "verify",
  "verification",
  "account",
  "password",
  "passwd",
  "secure",
  "update",
  "wallet",
  "webmail",
  "auth",
  "validate",
  "confirm",
  "unlock",
  "owa",
  "office365",
  "microsoft",
  "outlook",
  "sso",
  "mfa",
  "reset",
  "billing",
  "invoice",
  "recover",
];

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
}

function hostOf(url: string): string | undefined {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host.startsWith("[") ? host.slice(1, -1) : host || undefined;
  } catch {
    return undefined;
  }
}

function domainOfAddress(address: string): string {
  const at = address.lastIndexOf("@");
  return at >= 0 ? address.slice(at + 1).toLowerCase() : "";
}

function isIpLiteral(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(":");
}

function hasCredentialPath(url: string): boolean {
  let path: string;
  try {
    const parsed = new URL(url);
    path = `${parsed.pathname}${parsed.search}`.toLowerCase().slice(0, 2000);
  } catch {
    return false;
  }
  return CREDENTIAL_WORDS.some((word) => path.includes(word));
}

/** "https://paypal.com@evil.test/" reads as paypal.com and goes to evil.test. */
function hasUserInfo(url: string): boolean {
  try {
    return new URL(url).username !== "";
  } catch {
    return false;
  }
}

function sourceOf(match: IndicatorMatch): string {
  const grade = match.reliability ?? "C";
  return `${feedFormat(match.format)?.label ?? match.format} (feed ${JSON.stringify(match.feed)}, reliability ${grade})`;
}

function earlierText(earlier: EarlierCase, items: { entityType: string; identifier: string }[]): string {
  const by = items
    .slice(0, 3)
    .map((item) => `${item.entityType} ${defang(item.identifier)}`)
    .join(", ");
  const verdict = earlier.verdict!;
  // decidedBy reads "analyst alice" or "feed URLhaus".
  const who = verdict.grounds === "analyst" ? `by ${verdict.decidedBy || "an analyst"}` : `on a match in ${verdict.decidedBy || "a feed"}`;
  return `${by}: seen in case #${earlier.caseId}, judged ${verdict.value} ${who}`;
}

class Tally {
  readonly evidence: VerdictEvidence[] = [];
  conclusive = false;

  add(item: VerdictEvidence): void {
    const same = this.evidence.find((existing) => existing.reason === item.reason);
    if (same) return;
    this.evidence.push(item);
  }

  /** What speaks against the message, bounded to 100. */
  get against(): number {
    return Math.min(
      100,
      this.evidence.reduce((sum, item) => sum + Math.max(0, item.weight), 0),
    );
  }

  has(kind: VerdictEvidence["kind"], positive = true): boolean {
    return this.evidence.some((item) => item.kind === kind && (positive ? item.weight > 0 : true));
  }

  /** Reasons, strongest first (the order they were found when equal). */
  sorted(): VerdictEvidence[] {
    return this.evidence
      .map((item, index) => ({ item, index }))
      .sort((a, b) => Math.abs(b.item.weight) - Math.abs(a.item.weight) || a.index - b.index)
      .map(({ item }) => item);
  }
}

function sharedByPrevalence(prevalence: Record<string, Prevalence> | undefined, site: string): boolean {
  const seen = prevalence?.[site];
  return !!seen && seen.cases >= 5 && seen.malicious >= 1 && seen.benign >= 1;
}

export function assess(input: AssessInput): Assessment {
  if (input.simulation) {
    const reason = `a phishing simulation: ${input.simulation}`;
    return { verdict: "simulation", score: 0, reasons: [reason], evidence: [{ kind: "simulation", weight: 0, reason }] };
  }
  const policy = input.policy ?? emptyPolicy();
  const tally = new Tally();
  const entityOf = (type: string, identifier: string) =>
    input.entities.find((entity) => entity.entityType === type && entity.identifier === identifier);
  const clickable = (entity: ActionEntity | undefined) => entity?.additionalProperties.clickable !== "false";
  /** Shared infrastructure: the admins' list, or a domain in many cases of both verdicts. */
  const shared = (host: string) => isShared(policy, host) || sharedByPrevalence(input.prevalence, siteOf(host));

  // 1. Feeds, by their reliability.
  for (const match of input.matches) {
    const grade = (match.reliability ?? "C").toUpperCase();
    const factor = RELIABILITY_FACTOR[grade] ?? RELIABILITY_FACTOR.C!;
    const source = sourceOf(match);
    const threat = match.threat ? `: ${match.threat}` : "";
    const base = { kind: "feed" as const, feed: match.feed, reliability: grade };
    if (match.entityType === "FILE") {
      const hash = match.identifier.toLowerCase();
      const file = input.entities.find(
        (entity) =>
          entity.entityType === "FILE" && Object.values(entity.additionalProperties).some((value) => value.toLowerCase() === hash),
      );
      const reason = `attachment ${file ? `${defang(file.identifier)} (sha256 ${hash})` : hash} in ${source}${threat}`;
      tally.add({ ...base, weight: Math.round(90 * factor), reason, indicator: hash });
      if (factor >= RELIABILITY_FACTOR.C!) tally.conclusive = true;
      continue;
    }
    const host =
      match.entityType === "EMAIL_ADDRESS"
        ? domainOfAddress(match.identifier)
        : match.entityType === "URL"
          ? (hostOf(match.identifier) ?? "")
          : match.identifier.toLowerCase();
    const listed = match.indicator !== match.identifier ? `, listed as ${defang(match.indicator)}` : "";
    const what =
      match.entityType === "EMAIL_ADDRESS"
        ? `the sender's domain (${defang(match.identifier)})`
        : `${match.entityType} ${defang(match.identifier)}`;
    if (match.kind === "url" || match.kind === "md5" || match.kind === "sha1" || match.kind === "sha256") {
      const entity = match.entityType === "URL" ? entityOf("URL", match.identifier) : undefined;
      if (clickable(entity)) {
        tally.add({
          ...base,
          weight: Math.round(90 * factor),
          reason: `${what} in ${source}${listed}${threat}`,
          indicator: defang(match.identifier),
        });
        if (factor >= RELIABILITY_FACTOR.C!) tally.conclusive = true;
      } else {
        const resource = entity?.additionalProperties.resource ?? "resource";
        tally.add({
          ...base,
          weight: Math.round(40 * factor),
          reason: `${what} (an ${resource} the message loads, not a link) in ${source}${listed}${threat}`,
          indicator: defang(match.identifier),
        });
      }
    } else if (match.kind === "domain") {
      const listedDomain = match.indicator.toLowerCase();
      if (shared(host) || shared(listedDomain)) {
        tally.add({
          ...base,
          weight: 0,
          reason: `${what} in ${source}${listed}: shared infrastructure, not counted`,
          indicator: defang(host),
        });
        continue;
      }
      tally.add({ ...base, weight: Math.round(80 * factor), reason: `${what} in ${source}${listed}${threat}`, indicator: defang(host) });
      // A domain a reliable feed lists by itself (STIX domain-name, MISP domain) is the site itself.
      if (factor >= RELIABILITY_FACTOR.C!) tally.conclusive = true;
    } else {
      tally.add({
        ...base,
        weight: Math.round(40 * factor),
        reason: `${what} in ${source}${listed}${threat}`,
        indicator: defang(match.identifier),
      });
    }
  }

  // 2. Earlier cases: only what is specific, and only what a person or a feed decided.
  let benignBefore: EarlierCase | undefined;
  // A From can be forged: an earlier phish "from" it-helpdesk@ our own domain says nothing of our helpdesk's real mail,
  // nor of any sender our own server authenticated now. Such a sender's address is no evidence either way.
  const forgeable = new Set(
    input.reports
      .filter((report) => {
        const domain = domainOfAddress(report.senderAddress);
        return !domain || isOrgDomain(policy, domain) || (report.auth && (report.auth.dmarc === "pass" || report.auth.auth === "pass"));
      })
      .map((report) => report.senderAddress.toLowerCase()),
  );
  let senderCounted = false;
  for (const earlier of input.earlier) {
    const verdict = earlier.verdict;
    if (!verdict || (verdict.grounds !== "analyst" && verdict.grounds !== "feed")) continue;
    const specific = earlier.matched.filter((item) => {
      const type = item.entityType.toUpperCase();
      if (type === "FILE") return true;
      if (type === "EMAIL_ADDRESS") return !forgeable.has(item.identifier.toLowerCase());
      // A link to shared infrastructure (a brand's Facebook page, a t.co link) is copied into phish and honest mail alike.
      const host = type === "URL" ? hostOf(item.identifier) : undefined;
      return !!host && clickable(entityOf("URL", item.identifier)) && !shared(host);
    });
    if (specific.length === 0) continue;
    const sameThing = specific.some((item) => item.entityType.toUpperCase() !== "EMAIL_ADDRESS");
    // The same sender in many earlier cases is one fact, counted once.
    if (!sameThing && senderCounted) continue;
    if (!sameThing) senderCounted = true;
    const base = {
      kind: "earlier-case" as const,
      caseId: earlier.caseId,
      decidedBy: verdict.decidedBy || verdict.grounds,
      indicator: defang(specific[0]!.identifier),
    };
    const reason = earlierText(earlier, specific);
    if (verdict.value === "malicious") {
      const weight = verdict.grounds === "analyst" ? (sameThing ? 80 : 50) : sameThing ? 70 : 35;
      tally.add({ ...base, weight, reason });
      if (sameThing) tally.conclusive = true;
    } else if (verdict.value === "suspicious") {
      tally.add({ ...base, weight: verdict.grounds === "analyst" ? 25 : 15, reason });
    } else if (verdict.value === "benign" && verdict.grounds === "analyst") {
      tally.add({ ...base, weight: -40, reason });
      benignBefore ??= earlier;
    }
  }

  // 3. The reported message's authentication, as our own servers judged it.
  const authenticatedSites = new Set<string>();
  /** Senders our own server judged and found unauthenticated (a believed header, no pass). */
  let unauthenticatedSender = false;
  const authReasons: string[] = [];
  for (const report of input.reports) {
    const sender = defang(report.senderAddress || "(no address)");
    const senderDomain = domainOfAddress(report.senderAddress);
    const auth = report.auth;
    if (!auth) {
      if (report.untrustedAuth)
        tally.add({
          kind: "authentication",
          weight: 0,
          reason:
            `the Authentication-Results of the message from ${sender} were not written by a Trusted Authentication Server: ` +
            `not believed`,
        });
      continue;
    }
    const by = `judged by ${defang(report.authServer || auth.authservId || "our server")}`;
    const base = { kind: "authentication" as const, indicator: sender };
    if (auth.dmarc === "pass") {
      const site = siteOf(auth.dmarcDomain || senderDomain);
      if (siteOf(senderDomain) === site) authenticatedSites.add(site);
      authReasons.push(`DMARC pass for ${sender}, ${by}`);
      continue;
    }
    if (auth.dmarc && FAILED.has(auth.dmarc)) {
      unauthenticatedSender = true;
      const own = senderDomain && isOrgDomain(policy, senderDomain);
      tally.add({
        ...base,
        weight: own ? 55 : 35,
        reason: `DMARC ${auth.dmarc} for ${sender}${own ? ", which claims to come from our own domain" : ""}, ${by}`,
      });
      continue;
    }
    const dkimAligned = auth.dkim === "pass" && (auth.dkimDomains ?? []).some((domain) => siteOf(domain) === siteOf(senderDomain));
    const spfAligned = auth.spf === "pass" && !!auth.spfDomain && siteOf(auth.spfDomain) === siteOf(senderDomain);
    if (auth.auth === "pass" && senderDomain && isOrgDomain(policy, senderDomain)) {
      authenticatedSites.add(siteOf(senderDomain));
      authReasons.push(`sent by a signed-in user of our own mail server (${sender}), ${by}`);
      continue;
    }
    if (dkimAligned || spfAligned) {
      authenticatedSites.add(siteOf(senderDomain));
      authReasons.push(`${dkimAligned ? "DKIM" : "SPF"} pass for ${sender}'s own domain, ${by}`);
      continue;
    }
    if (auth.spf && FAILED.has(auth.spf))
      tally.add({ ...base, weight: auth.spf === "softfail" ? 10 : 20, reason: `SPF ${auth.spf} for ${sender}, ${by}` });
    if (auth.dkim && FAILED.has(auth.dkim)) tally.add({ ...base, weight: 10, reason: `DKIM ${auth.dkim} for ${sender}, ${by}` });
    unauthenticatedSender = true;
    if (auth.spf !== "pass" && auth.dkim !== "pass")
      tally.add({ ...base, weight: 15, reason: `nothing authenticates ${sender}: no SPF or DKIM pass, ${by}` });
  }

  // 4. The reported message's own signals.
  const signal = (weight: number, reason: string, indicator?: string) =>
    tally.add({ kind: "signal", weight, reason, ...(indicator ? { indicator } : {}) });
  const senderSites = new Set(input.reports.map((report) => siteOf(domainOfAddress(report.senderAddress))).filter(Boolean));
  const ownOrKnown = (host: string) => {
    const site = siteOf(host);
    return (
      senderSites.has(site) ||
      isOrgDomain(policy, host) ||
      shared(host) ||
      [...senderSites].some((sender) => brandsOfHost(policy, sender).some((brand) => isWithinAny(host, brand.domains)))
    );
  };
  const brandDomains = policy.brands.flatMap((brand) => brand.domains);
  for (const report of input.reports) {
    const sender = defang(report.senderAddress || "(no address)");
    const senderDomain = domainOfAddress(report.senderAddress);
    const senderSite = siteOf(senderDomain);
    const internal = !!senderDomain && isOrgDomain(policy, senderDomain) && authenticatedSites.has(senderSite);
    const nameWords = wordsOf(report.senderName);
    // An address in the display name other than the sender's.
    const shown = /[^\s<>"'@]+@[^\s<>"'@]+\.[^\s<>"'@]+/.exec(report.senderName.slice(0, 500))?.[0];
    if (shown && report.senderAddress && shown.toLowerCase() !== report.senderAddress.toLowerCase()) {
      signal(20, `the display name shows ${defang(shown)} but the message comes from ${sender}`, sender);
    }
    if (senderDomain && !internal) {
      const brand = policy.brands.find(
        (candidate) => containsWords(nameWords, candidate.words) && !isWithinAny(senderDomain, candidate.domains),
      );
      if (brand && !brandsOfHost(policy, senderDomain).length)
        signal(
          35,
          `the display name ${JSON.stringify(defang(report.senderName.slice(0, 80)))} names ${brand.name} ` +
            `but the message comes from ${sender}`,
          sender,
        );
      const vip = policy.vips.find(
        (candidate) => containsWords(nameWords, wordsOf(candidate.name)) && candidate.address !== report.senderAddress.toLowerCase(),
      );
      if (vip && !isOrgDomain(policy, senderDomain))
        signal(40, `the display name names ${vip.name} (a VIP) but the message comes from ${sender}`, sender);
      if (!isOrgDomain(policy, senderDomain)) {
        const org = policy.orgDomains
          .map((domain) => siteOf(domain).split(".")[0]!)
          .find((label) => label.length >= 4 && nameWords.includes(label));
        if (org) signal(30, `the display name names our organisation (${org}) but the message comes from ${sender}`, sender);
      }
    }
    const role = ROLE_NAMES.find((words) => containsWords(nameWords, words));
    if (
      role &&
      senderDomain &&
      !isOrgDomain(policy, senderDomain) &&
      !brandsOfHost(policy, senderDomain).length &&
      !authenticatedSites.has(senderSite)
    ) {
      signal(
        20,
        `the display name ${JSON.stringify(defang(report.senderName.slice(0, 80)))} is a role (${role.join(" ")}) ` +
          `but the message comes from ${sender}, outside our domains`,
        sender,
      );
    }
    for (const address of report.replyTo) {
      const replyDomain = domainOfAddress(address);
      if (!replyDomain || siteOf(replyDomain) === senderSite || isOrgDomain(policy, replyDomain)) continue;
      const webmail = WEBMAIL.has(siteOf(replyDomain)) && !WEBMAIL.has(senderSite);
      signal(
        webmail ? 25 : 15,
        `replies go to ${defang(address)}${webmail ? ", a webmail address," : ""} not to the sender ${sender}`,
        defang(address),
      );
      break;
    }
    if (report.dataUriLinks) signal(35, `the message carries ${report.dataUriLinks} data: URI(s): a page or file inside the mail itself`);
    // Lookalikes of our domains and of brands', for the sender's domain.
    if (senderDomain && !internal && !shared(senderDomain)) {
      const own = lookalikeOf(senderSite, policy.orgDomains.map(siteOf));
      if (own)
        signal(50, `the sender's domain ${defang(senderSite)} looks like our ${defang(own.target)} (${own.how})`, defang(senderSite));
      else if (!brandsOfHost(policy, senderDomain).length) {
        const brand = lookalikeOf(senderSite, brandDomains);
        if (brand)
          signal(40, `the sender's domain ${defang(senderSite)} looks like ${defang(brand.target)} (${brand.how})`, defang(senderSite));
      }
    }
  }

  let shortener = false;
  let ipLink = false;
  let credential = false;
  let linkText = 0;
  for (const entity of input.entities) {
    const properties = entity.additionalProperties;
    if (entity.entityType === "DOMAIN") {
      if (properties.homograph === "true")
        signal(
          30,
          `DOMAIN ${defang(entity.identifier)} mixes scripts (${properties.scripts ?? "lookalike letters"}): a lookalike domain`,
          defang(entity.identifier),
        );
      else if (properties.idn === "true" && !shared(entity.identifier))
        signal(
          10,
          `DOMAIN ${defang(entity.identifier)} is an international (IDN) domain, ` +
            `shown as ${defang(properties.unicode ?? entity.identifier)}`,
          defang(entity.identifier),
        );
      continue;
    }
    if (entity.entityType === "FILE") {
      // Defanged too: a name like "invoice.com" would become a link in the reply a reporter reads.
      const name = defang(entity.identifier);
      const extension = extensionOf(entity.identifier);
      const sniffed = (properties.sniffed_type ?? "").toLowerCase();
      if (EXECUTABLE.has(extension) || sniffed.includes("executable") || sniffed.includes("x-msdownload"))
        signal(40, `attachment ${name} is executable`, name);
      else if (MACRO.has(extension)) signal(25, `attachment ${name} is an Office file with macros`, name);
      if (properties.type_mismatch === "true")
        signal(15, `attachment ${name} is not the type its name says (${properties.sniffed_type ?? "?"})`, name);
      if (properties.html_password_form === "true") {
        const target = properties.html_form_action ? ` that posts to ${defang(properties.html_form_action)}` : "";
        signal(50, `attachment ${name} is a page with a password form${target}`, name);
      }
      if (properties.html_smuggling === "true")
        signal(50, `attachment ${name} is a page whose script writes a page or a file (HTML smuggling)`, name);
      else if (HTML.has(extension) && properties.html_password_form !== "true") signal(15, `attachment ${name} is a web page`, name);
      continue;
    }
    if (entity.entityType === "URL" && entity.additionalProperties.resource === "form") {
      const host = hostOf(entity.identifier);
      if (host && !ownOrKnown(host))
        signal(
          35,
          `the message itself holds a form that sends what is typed to ${defang(siteOf(host))}`,
          defang(entity.identifier.slice(0, 200)),
        );
      continue;
    }
    if (entity.entityType !== "URL" || !clickable(entity)) continue;
    const url = entity.identifier;
    if (hasUserInfo(url))
      signal(30, `a link hides where it goes behind a user name: ${defang(url.slice(0, 200))}`, defang(url.slice(0, 200)));
    const host = hostOf(url);
    if (!host) continue;
    const site = siteOf(host);
    if (isIpLiteral(host)) {
      if (!ipLink) signal(30, `a link goes to an IP address: ${defang(url.slice(0, 200))}`, defang(url.slice(0, 200)));
      ipLink = true;
      continue;
    }
    if (properties.qr_code === "true" && !ownOrKnown(host))
      signal(25, `a QR code (${defang(properties.source ?? "image")}) leads to ${defang(url.slice(0, 200))}`, defang(url.slice(0, 200)));
    if (isShortener(policy, host)) {
      if (!shortener)
        signal(15, `a link goes through the shortener ${defang(site)}, which hides where it leads`, defang(url.slice(0, 200)));
      shortener = true;
      continue;
    }
    if (ownOrKnown(host)) continue;
    const shownDomain = properties.link_text_domain;
    if (shownDomain && linkText < 2 && siteOf(shownDomain) !== site) {
      linkText++;
      const ownSite = senderSites.has(siteOf(shownDomain)) && authenticatedSites.has(siteOf(shownDomain));
      // The authenticated sender naming its own site through its mailer's click tracker is ordinary.
      signal(ownSite ? 10 : 30, `a link shows ${defang(shownDomain)} but goes to ${defang(site)}`, defang(url.slice(0, 200)));
    }
    const suffix = privateSuffixOf(host);
    const asksPassword = hasCredentialPath(url);
    if (suffix) {
      if (asksPassword)
        signal(35, `a link to a sign-in page on free hosting (${defang(suffix)}): ${defang(url.slice(0, 200))}`, defang(url.slice(0, 200)));
      else if (!authenticatedSites.size) signal(10, `a link to a site on free hosting (${defang(suffix)}): ${defang(host)}`, defang(host));
    } else if (asksPassword && !credential) {
      credential = true;
      signal(15, `a link asks to sign in or verify on ${defang(site)}, which is not the sender's site`, defang(url.slice(0, 200)));
    }
    const own = lookalikeOf(site, policy.orgDomains.map(siteOf));
    if (own) signal(50, `a link goes to ${defang(site)}, which looks like our ${defang(own.target)} (${own.how})`, defang(site));
    else if (!brandsOfHost(policy, host).length) {
      const brand = lookalikeOf(site, brandDomains);
      if (brand) signal(40, `a link goes to ${defang(site)}, which looks like ${defang(brand.target)} (${brand.how})`, defang(site));
    }
  }

  if (unauthenticatedSender) {
    const elsewhere = input.entities.find((entity) => {
      const host = entity.entityType === "URL" && clickable(entity) ? hostOf(entity.identifier) : undefined;
      return !!host && !ownOrKnown(host) && !isIpLiteral(host);
    });
    if (elsewhere)
      signal(
        10,
        `its links lead away from the sender's domain, which our server could not authenticate: ` +
          `${defang(siteOf(hostOf(elsewhere.identifier)!))}`,
        defang(elsewhere.identifier.slice(0, 200)),
      );
  }

  const score = tally.against;
  const verdictOf = (value: Verdict, shownScore: number, extra: VerdictEvidence[] = []): Assessment => {
    const evidence = [...tally.sorted(), ...extra];
    return { verdict: value, score: shownScore, reasons: evidence.map((item) => item.reason), evidence };
  };
  if (tally.conclusive || score >= MALICIOUS_SCORE) return verdictOf("malicious", Math.max(score, MALICIOUS_SCORE));
  if (score >= SUSPICIOUS_SCORE) return verdictOf("suspicious", score);

  // 5. Benign: nothing against it, and either an analyst cleared the same thing, or our own server authenticated the
  // sender and every link stays within its own or well-known domains.
  // An analyst's benign verdict on the same link, file or sender outweighs a weak signal (below suspicious).
  if (benignBefore) return verdictOf("benign", 0);
  if (score === 0) {
    const links = input.entities.filter((entity) => entity.entityType === "URL" && clickable(entity));
    const hosts = links.map((entity) => hostOf(entity.identifier)).filter((host): host is string => !!host);
    // Who the sender is must mean something: anyone can pass DMARC for gmail.com or for a domain bought yesterday.
    // A known sender (ours, a brand's) may send without links; any other must show links that all stay at home.
    const known = (site: string) => isOrgDomain(policy, site) || brandsOfHost(policy, site).length > 0;
    const allAuthenticated =
      input.reports.length > 0 &&
      input.reports.every((report) => {
        const site = siteOf(domainOfAddress(report.senderAddress));
        return (
          !report.inline &&
          authenticatedSites.has(site) &&
          !WEBMAIL.has(site) &&
          !(shared(site) && !known(site)) &&
          (hosts.length > 0 || known(site))
        );
      });
    const linksAtHome = hosts.every((host) => ownOrKnown(host) || [...authenticatedSites].some((site) => isWithin(host, site)));
    // A sign-in page on a site that is neither ours, a brand's nor shared is no newsletter's.
    const unknownSignIn = links.some((entity) => {
      const host = hostOf(entity.identifier) ?? "";
      return hasCredentialPath(entity.identifier) && !isOrgDomain(policy, host) && !brandsOfHost(policy, host).length && !shared(host);
    });
    if (allAuthenticated && linksAtHome && !unknownSignIn) {
      const wellKnown = [...new Set(hosts.map(siteOf).filter((site) => !senderSites.has(site)))].slice(0, 5);
      const within =
        `${[...senderSites].map(defang).join(", ")}` +
        `${wellKnown.length ? ` and well-known domains (${wellKnown.map(defang).join(", ")})` : ""}`;
      const extra: VerdictEvidence[] = [
        ...authReasons.map((reason) => ({
          kind: "authentication" as const,
          weight: 0,
          reason: `${reason} (a Trusted Authentication Server)`,
        })),
        { kind: "signal", weight: 0, reason: hosts.length ? `its ${hosts.length} link(s) stay within ${within}` : "it has no links" },
        { kind: "signal", weight: 0, reason: "no feed lists it, no analyst judged it before, and nothing in it points to phishing" },
      ];
      return verdictOf("benign", 0, extra);
    }
  }
  const none: VerdictEvidence = {
    kind: "signal",
    weight: 0,
    reason: "nothing in the feeds, earlier cases or the message's signals points either way",
  };
  return verdictOf(
    "unknown",
    score,
    tally.evidence.length || authReasons.length
      ? authReasons.map((reason) => ({ kind: "authentication" as const, weight: 0, reason }))
      : [none],
  );
}
