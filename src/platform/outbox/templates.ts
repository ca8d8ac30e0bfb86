// Reply templates per verdict and language: the email integration's defaults, admins' edits
// (reply_templates), and rendering with a case's values — escaped in HTML, defanged everywhere.
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ReplyTemplateInvalid } from "../errors.js";
import { BUILTIN_INTEGRATIONS_DIR } from "../catalog/index.js";
import type { Store } from "../store/index.js";

import { VERDICTS, type Verdict } from "../../sdk/vocabulary.js";

/** A reply template per verdict: the case's verdict names its template. */
export const REPLY_VERDICTS = VERDICTS;
export type ReplyVerdict = Verdict;
export const REPLY_LANGUAGES = ["en", "ko"] as const;
export type ReplyLanguage = (typeof REPLY_LANGUAGES)[number];
export const PLACEHOLDERS = ["case.id", "report.subject", "verdict", "reasons"] as const;

export interface ReplyTemplate {
  subject: string;
  text: string;
  html: string;
}

export interface ReplyTemplateView extends ReplyTemplate {
  verdict: ReplyVerdict;
  language: ReplyLanguage;
  /** False: the package's default; true: an admin's edit (who, when). */
  edited: boolean;
  updatedBy?: string;
  updatedAt?: number;
}

/** What a template is filled with. */
export interface ReplyValues {
  caseId: number;
  reportSubject: string;
  verdict: string;
  reasons: string[];
}

const MAX_SUBJECT = 500;
const MAX_BODY = 50_000;
const MAX_REASONS = 50;
const MAX_REASON = 1000;

export const templateSchema = z
  .object({
    subject: z.string().min(1).max(MAX_SUBJECT),
    text: z.string().min(1).max(MAX_BODY),
    html: z.string().max(MAX_BODY),
  })
  .strict();

const DEFAULTS_FILE = path.join(BUILTIN_INTEGRATIONS_DIR, "email", "templates", "replies.json");
let defaults: Record<ReplyVerdict, Record<ReplyLanguage, ReplyTemplate>> | undefined;

/** The templates shipped with the email integration (templates/replies.json), read once. */
export function defaultTemplates(): Record<ReplyVerdict, Record<ReplyLanguage, ReplyTemplate>> {
  defaults ??= JSON.parse(fs.readFileSync(DEFAULTS_FILE, "utf8")) as Record<ReplyVerdict, Record<ReplyLanguage, ReplyTemplate>>;
  return defaults;
}

export function isReplyVerdict(value: string): value is ReplyVerdict {
  return (REPLY_VERDICTS as readonly string[]).includes(value);
}

export function isReplyLanguage(value: string): value is ReplyLanguage {
  return (REPLY_LANGUAGES as readonly string[]).includes(value);
}

/** "ko-KR", "KO" → "ko"; anything without a template → undefined. */
export function replyLanguageOf(tag: string | undefined): ReplyLanguage | undefined {
  const primary =
    (tag ?? "")
      .trim()
      .split(/[-_,;\s]/)[0]
      ?.toLowerCase() ?? "";
  return isReplyLanguage(primary) ? primary : undefined;
}

function checkKey(verdict: string, language: string): { verdict: ReplyVerdict; language: ReplyLanguage } {
  if (!isReplyVerdict(verdict))
    throw new ReplyTemplateInvalid(JSON.stringify(verdict.slice(0, 100)), `the verdict must be one of ${REPLY_VERDICTS.join(", ")}`);
  if (!isReplyLanguage(language))
    throw new ReplyTemplateInvalid(JSON.stringify(language.slice(0, 100)), `the language must be one of ${REPLY_LANGUAGES.join(", ")}`);
  return { verdict, language };
}

/** Every {{name}} of a text that is not a known placeholder. */
function unknownPlaceholders(text: string): string[] {
  const unknown: string[] = [];
  let at = text.indexOf("{{");
  while (at >= 0) {
    const end = text.indexOf("}}", at + 2);
    if (end < 0) break;
    const name = text.slice(at + 2, end).trim();
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) unknown.push(name.slice(0, 100));
    at = text.indexOf("{{", end + 2);
  }
  return unknown;
}

/** Every template, the admins' edits where there are some. */
export async function listReplyTemplates(store: Store): Promise<ReplyTemplateView[]> {
  const rows = await store.db.selectFrom("reply_templates").selectAll().execute();
  const edited = new Map(rows.map((row) => [`${row.verdict}/${row.language}`, row]));
  const all = defaultTemplates();
  return REPLY_VERDICTS.flatMap((verdict) =>
    REPLY_LANGUAGES.map((language): ReplyTemplateView => {
      const row = edited.get(`${verdict}/${language}`);
      if (!row) return { verdict, language, ...all[verdict][language], edited: false };
      return {
        verdict,
        language,
        subject: row.subject,
        text: row.body_text,
        html: row.body_html ?? "",
        edited: true,
        updatedBy: row.updated_by,
        updatedAt: Number(row.updated_at),
      };
    }),
  );
}

export async function getReplyTemplate(store: Store, verdict: string, language: string): Promise<ReplyTemplateView> {
  const key = checkKey(verdict, language);
  return (await listReplyTemplates(store)).find((view) => view.verdict === key.verdict && view.language === key.language)!;
}

/** Checks a template an admin wrote: each part present and bounded, only known placeholders. */
export function checkTemplate(name: string, template: unknown): ReplyTemplate {
  const parsed = templateSchema.safeParse(template);
  if (!parsed.success) {
    throw new ReplyTemplateInvalid(
      name,
      parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join(".") || "(template)"}: ${issue.message}`)
        .join("; "),
    );
  }
  for (const part of ["subject", "text", "html"] as const) {
    const unknown = unknownPlaceholders(parsed.data[part]);
    if (unknown.length)
      throw new ReplyTemplateInvalid(
        name,
        `${part}: unknown placeholder {{${unknown[0]}}} (known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")})`,
      );
  }
  // The reported subject is written by whoever sent the mail: a reply from the security team's address must not
  // carry an outsider's words ("Re: your refund is approved - call …") as its subject.
  if (parsed.data.subject.includes("{{report.subject}}") || parsed.data.subject.includes("{{ report.subject }}")) {
    throw new ReplyTemplateInvalid(
      name,
      "subject: {{report.subject}} is the reported sender's text and stays out of a reply's subject (the reply " +
        "threads under the report by In-Reply-To)",
    );
  }
  return parsed.data;
}

/** Saves an admin's template (null: back to the package's default). */
export async function saveReplyTemplate(
  store: Store,
  verdict: string,
  language: string,
  template: unknown,
  actor: string,
): Promise<ReplyTemplateView> {
  const key = checkKey(verdict, language);
  if (template === null) {
    await store.db.deleteFrom("reply_templates").where("verdict", "=", key.verdict).where("language", "=", key.language).execute();
    return getReplyTemplate(store, key.verdict, key.language);
  }
  const checked = checkTemplate(`${key.verdict}/${key.language}`, template);
  const row = { subject: checked.subject, body_text: checked.text, body_html: checked.html, updated_by: actor, updated_at: Date.now() };
  await store.db
    .insertInto("reply_templates")
    .values({ ...key, ...row })
    .onConflict((conflict) => conflict.columns(["verdict", "language"]).doUpdateSet(row))
    .execute();
  return getReplyTemplate(store, key.verdict, key.language);
}

/** Full stops that mail clients and IDNA (UTS #46) read as "." in a host name: defanged like it. */
const FULL_STOPS = new Set(["\u3002", "\uff0e", "\uff61", "\u2024", "\ufe52"]);
/** Invisible characters that split a host name for the eye, not for a linkifier: removed. */
const ZERO_WIDTH = new Set(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]);
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const LETTER = /^\p{L}$/u;
const SPACE = /^\s$/u;
const SCHEMES: [string, string][] = [
  ["https", "hxxps"],
  ["http", "hxxp"],
  ["ftp", "fxp"],
];

const isLetterOrDigit = (ch: string | undefined) => ch !== undefined && LETTER_OR_DIGIT.test(ch);

/** Whether a word (code points) has a letter or digit, a dot, and a run of letters, digits and dashes holding a letter: a host. */
function looksLikeHost(word: string[]): boolean {
  for (let i = 1; i < word.length; i++) {
    if (word[i] !== "." || !isLetterOrDigit(word[i - 1])) continue;
    // The run after this dot ends at the next one at the latest, so each character is looked at twice at most.
    for (let j = i + 1; j < word.length && (word[j] === "-" || isLetterOrDigit(word[j])); j++) if (LETTER.test(word[j]!)) return true;
  }
  return false;
}

/** One word defanged: http(s)/ftp before "://" broken, every dot between letters or digits bracketed. */
function defangWord(word: string[]): string {
  const joined = word.join("");
  if (!joined.includes("://") && !looksLikeHost(word)) return joined;
  let out = "";
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    if (ch === "." && isLetterOrDigit(word[i - 1]) && isLetterOrDigit(word[i + 1])) {
      out += "[.]";
      continue;
    }
    if (ch === ":" && word[i + 1] === "/" && word[i + 2] === "/") {
      const lower = out.slice(-5).toLowerCase();
      const scheme = SCHEMES.find(([name]) => lower.endsWith(name));
      if (scheme) out = out.slice(0, out.length - scheme[0].length) + scheme[1];
    }
    out += ch;
  }
  return out;
}

/**
 * A hostile text made safe to mail: every word that looks like a URL, host or address has its scheme
 * and dots broken (hxxps://evil[.]test), so that no mail client turns it into a link. Unicode full stops
 * (evil。test) count as dots and zero-width characters are removed first: either would otherwise slip a
 * host past the dots. One pass over the text, no backtracking regex. Idempotent.
 */
export function defangText(text: string): string {
  let out = "";
  let word: string[] = [];
  for (const raw of text) {
    if (ZERO_WIDTH.has(raw)) continue;
    const ch = FULL_STOPS.has(raw) ? "." : raw;
    if (SPACE.test(ch)) {
      out += defangWord(word) + ch;
      word = [];
    } else {
      word.push(ch);
    }
  }
  return out + defangWord(word);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fill(text: string, values: Record<string, string>): string {
  let out = "";
  let from = 0;
  let at = text.indexOf("{{");
  while (at >= 0) {
    const end = text.indexOf("}}", at + 2);
    if (end < 0) break;
    const name = text.slice(at + 2, end).trim();
    out += text.slice(from, at) + (Object.hasOwn(values, name) ? values[name] : text.slice(at, end + 2));
    from = end + 2;
    at = text.indexOf("{{", from);
  }
  return out + text.slice(from);
}

/** A template filled for one report: plain values in text and subject, escaped ones in HTML, all defanged. */
export function renderTemplate(template: ReplyTemplate, values: ReplyValues): ReplyTemplate {
  const subject = defangText(values.reportSubject.replace(/[\r\n]+/g, " ").slice(0, MAX_SUBJECT));
  const reasons = values.reasons.slice(0, MAX_REASONS).map((reason) => defangText(reason.replace(/[\r\n]+/g, " ").slice(0, MAX_REASON)));
  const plain = {
    "case.id": String(values.caseId),
    "report.subject": subject,
    verdict: values.verdict,
    reasons: reasons.map((reason) => `- ${reason}`).join("\n"),
  };
  const html = {
    ...Object.fromEntries(Object.entries(plain).map(([name, value]) => [name, escapeHtml(value)])),
    reasons: reasons.map(escapeHtml).join("<br>"),
  };
  return {
    // A subject is one line, whatever the template and values hold.
    // An outsider's subject never fills a subject, even from a template saved before that was refused.
    subject: fill(template.subject, { ...plain, "report.subject": "" })
      .replace(/[\r\n]+/g, " ")
      .slice(0, 998),
    text: fill(template.text, plain),
    html: template.html ? fill(template.html, html) : "",
  };
}

/** The reply for a verdict and language (unknown language: English), rendered with a case's values. */
export async function renderReply(
  store: Store,
  verdict: string,
  language: string | undefined,
  values: ReplyValues,
): Promise<{ verdict: ReplyVerdict; language: ReplyLanguage } & ReplyTemplate> {
  const key = checkKey(verdict, replyLanguageOf(language) ?? "en");
  const template = await getReplyTemplate(store, key.verdict, key.language);
  return { ...key, ...renderTemplate(template, { ...values, verdict: key.verdict }) };
}
