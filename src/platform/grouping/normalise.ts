// Normal forms for grouping reports of one phishing mail: subjects without reply/forward prefixes and
// tags, URLs without what varies per recipient. Index-based, no backtracking regex on mail text.

/** Reply/forward prefixes in the languages staff write (English, German, Nordic, French, Italian, Korean, Chinese, Japanese…). */
const PREFIXES = [
  "re",
  "fw",
  "fwd",
  "aw",
  "wg",
  "sv",
  "vs",
  "tr",
  "rif",
  "r",
  "i",
  "enc",
  "res",
  "doorst",
  "antw",
  "odp",
  "vl",
  "회신",
  "전달",
  "답장",
  "답신",
  "回复",
  "回覆",
  "转发",
  "轉寄",
  "答复",
  "返信",
  "転送",
];
const PREFIX_SET = new Set(PREFIXES);
const COLONS = new Set([":", "："]);
const TAG_OPEN = new Set(["[", "(", "【", "*"]);
const TAG_CLOSE: Record<string, string> = { "[": "]", "(": ")", "【": "】", "*": "*" };
/** Tags that mail gateways add; any short bracketed word before the subject is treated the same. */
const MAX_TAG_LENGTH = 20;

function skipSpaces(text: string, index: number): number {
  while (index < text.length && /\s/.test(text[index]!)) index++;
  return index;
}

/** Removes one leading prefix ("Re:", "FW[2]:", "[EXTERNAL]", "*SPAM*") and returns the rest, or undefined. */
function stripOnePrefix(text: string): string | undefined {
  const start = skipSpaces(text, 0);
  const first = text[start];
  if (first && TAG_OPEN.has(first)) {
    const close = text.indexOf(TAG_CLOSE[first]!, start + 1);
    if (close > start + 1 && close - start - 1 <= MAX_TAG_LENGTH) return text.slice(close + 1);
    return undefined;
  }
  // A word of letters, then optionally [n] or (n), then a colon.
  let end = start;
  while (end < text.length && end - start <= 10 && /[\p{L}]/u.test(text[end]!)) end++;
  if (end === start) return undefined;
  const word = text.slice(start, end).toLowerCase();
  if (!PREFIX_SET.has(word)) return undefined;
  let after = skipSpaces(text, end);
  if (text[after] === "[" || text[after] === "(") {
    const close = text.indexOf(text[after] === "[" ? "]" : ")", after);
    if (close < 0 || close - after > 5) return undefined;
    after = skipSpaces(text, close + 1);
  }
  if (!COLONS.has(text[after] ?? "")) return undefined;
  return text.slice(after + 1);
}

/** "RE: Fwd: [EXTERNAL] Your  Account" → "your account". */
export function normaliseSubject(subject: string): string {
  let text = subject.normalize("NFKC").slice(0, 1000);
  for (let i = 0; i < 20; i++) {
    const rest = stripOnePrefix(text);
    if (rest === undefined) break;
    text = rest;
  }
  return text.split(/\s+/).filter(Boolean).join(" ").toLocaleLowerCase();
}

/** The subject to show as a campaign case's title: prefixes gone, case kept. */
export function displaySubject(subject: string): string {
  let text = subject.slice(0, 1000);
  for (let i = 0; i < 20; i++) {
    const rest = stripOnePrefix(text);
    if (rest === undefined) break;
    text = rest;
  }
  return text.trim() || subject.trim();
}

/**
 * scheme://host/path, lower-cased host, no default port, query and fragment dropped: a campaign's
 * links differ per recipient in their query (tokens, ids), not in where they lead.
 */
export function normaliseUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  let path = parsed.pathname;
  while (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  return `${parsed.protocol}//${parsed.host.toLowerCase()}${path === "/" ? "" : path}`.slice(0, 2000);
}
