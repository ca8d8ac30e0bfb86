// Text decoding where real mail breaks the rules: encoded words (RFC 2047) malformed as mailers write
// them, charsets under their many names, 8-bit bytes with no or a wrong charset. Index-based; the one regex
// is a single character class.
import { isUtf8 } from "node:buffer";
import { createRequire } from "node:module";
import { TextDecoder } from "node:util";
import PostalMime from "postal-mime";
import { installNativeDecoders, installNativeLineReader } from "./postal-mime-native.js";

// windows-1252's printable characters at 0x80–0x9F. Node 20's TextDecoder decodes windows-1252 (and
// ISO-8859-1, which WHATWG maps to it) as Latin-1, leaving C1 control codes where "€", "’", "—" were.
const CP1252_C1 =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

const C1 = /[\x80-\x9f]/;

/** Replaces C1 control codes (never meant in mail text) by the windows-1252 characters they stand for. */
export function repairC1(text: string): string {
  // One native scan for the rare case (a single character class: nothing to backtrack).
  if (!C1.test(text)) return text;
  let out = "";
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    out += code >= 0x80 && code <= 0x9f ? CP1252_C1[code - 0x80] : ch;
  }
  return out;
}

// Names mailers use that the WHATWG encoding list does not know.
const ALIASES: Record<string, string> = {
  cp932: "shift_jis",
  ms932: "shift_jis",
  "windows-31j": "shift_jis",
  "x-sjis": "shift_jis",
  sjis: "shift_jis",
  cp936: "gbk",
  ms936: "gbk",
  "x-gbk": "gbk",
  cp949: "euc-kr",
  ms949: "euc-kr",
  ks_c_5601: "euc-kr",
  cp950: "big5",
  "big5-hkscs": "big5",
  "x-euc-jp": "euc-jp",
  "iso-2022-jp-2": "iso-2022-jp",
  "iso-2022-jp-3": "iso-2022-jp",
  cp1250: "windows-1250",
  cp1251: "windows-1251",
  cp1253: "windows-1253",
  cp1254: "windows-1254",
  cp1255: "windows-1255",
  cp1256: "windows-1256",
  cp1257: "windows-1257",
  cp1258: "windows-1258",
  cp866: "ibm866",
  koi8: "koi8-r",
  latin2: "iso-8859-2",
  "iso-8859-8-i": "iso-8859-8-i",
  "unicode-1-1-utf-7": "",
  "utf-7": "",
  "unknown-8bit": "",
  "x-unknown": "",
  unknown: "",
  default: "",
  "8bit": "",
};

const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  let decoder = decoders.get(label);
  if (decoder !== undefined) return decoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    decoder = null;
  }
  if (decoders.size < 500) decoders.set(label, decoder);
  return decoder;
}

/** The TextDecoder for a declared charset, or null when it is missing or unknown. */
export function resolveCharset(charset: string | undefined | null): TextDecoder | null {
  if (!charset) return null;
  let label = charset.trim().toLowerCase();
  const star = label.indexOf("*"); // RFC 2231 language suffix: "utf-8*en"
  if (star >= 0) label = label.slice(0, star);
  if (label.length > 40) return null;
  if (label in ALIASES) return ALIASES[label] ? decoderFor(ALIASES[label]!) : null;
  const direct = decoderFor(label);
  if (direct) return direct;
  // "cp-1252", "windows1252", "x-mac-cyrillic"…
  if (label.startsWith("x-")) return decoderFor(label.slice(2));
  const digits = label.replace("cp-", "cp").replace("windows", "windows-").replace("--", "-");
  return ALIASES[digits] ? decoderFor(ALIASES[digits]!) : decoderFor(digits);
}

const utf8 = new TextDecoder("utf-8");
const cp1252 = new TextDecoder("windows-1252");

/**
 * Bytes to text in the declared charset. Missing, unknown or UTF-8 that is not valid UTF-8: valid
 * UTF-8 is read as UTF-8, anything else as windows-1252 (the usual truth of unlabelled 8-bit mail).
 */
export function decodeBytes(bytes: Uint8Array, charset?: string | null): string {
  const declared = resolveCharset(charset);
  let decoder = declared;
  if (!decoder || decoder.encoding === "utf-8") decoder = isUtf8(bytes) ? utf8 : cp1252;
  const text = decoder.decode(bytes);
  return decoder.encoding === "windows-1252" ? repairC1(text) : text;
}

/** The charset to read bytes in, for a part that declares `charset` (what decodeBytes would choose). */
export function effectiveCharset(bytes: Uint8Array, charset?: string | null): string {
  const declared = resolveCharset(charset);
  if (declared && declared.encoding !== "utf-8") return declared.encoding;
  return isUtf8(bytes) ? "utf-8" : "windows-1252";
}

const MAX_HEADER_DECODE = 64 * 1024;

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

function qBytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "_") out.push(0x20);
    else if (ch === "=" && i + 2 < text.length && hexValue(text.charCodeAt(i + 1)) >= 0 && hexValue(text.charCodeAt(i + 2)) >= 0) {
      out.push(hexValue(text.charCodeAt(i + 1)) * 16 + hexValue(text.charCodeAt(i + 2)));
      i += 2;
    } else {
      const code = ch.charCodeAt(0);
      if (code < 0x80) out.push(code);
      else for (const byte of Buffer.from(ch, "utf8")) out.push(byte);
    }
  }
  return out;
}

function bBytes(text: string): Uint8Array {
  // Garbage inside a word (spaces, "?", stray padding) is dropped; Buffer's decoder is lenient.
  let clean = "";
  for (const ch of text) {
    if (
      (ch >= "A" && ch <= "Z") ||
      (ch >= "a" && ch <= "z") ||
      (ch >= "0" && ch <= "9") ||
      ch === "+" ||
      ch === "/" ||
      ch === "-" ||
      ch === "_"
    )
      clean += ch;
  }
  return Buffer.from(clean, "base64");
}

interface Word {
  start: number;
  end: number;
  charset: string;
  bytes: Uint8Array;
}

/** One encoded word at `start` (which holds "=?"), also without its closing "?=", or null. */
function readWord(text: string, start: number): Word | null {
  const q1 = text.indexOf("?", start + 2);
  if (q1 < 0 || q1 - start > 50) return null;
  const charset = text.slice(start + 2, q1);
  if (!charset || charset.includes(" ")) return null;
  const encoding = text[q1 + 1]?.toLowerCase();
  if ((encoding !== "q" && encoding !== "b") || text[q1 + 2] !== "?") return null;
  const dataStart = q1 + 3;
  let close = text.indexOf("?=", dataStart);
  // Missing "?=": the word runs to the next space (or the end), as lenient readers take it.
  let end: number;
  if (close < 0 || (text.indexOf(" ", dataStart) >= 0 && text.indexOf(" ", dataStart) < close)) {
    const space = text.indexOf(" ", dataStart);
    close = space < 0 ? text.length : space;
    end = close;
  } else {
    end = close + 2;
  }
  const data = text.slice(dataStart, close);
  const bytes = encoding === "b" ? bBytes(data) : Uint8Array.from(qBytes(data));
  return { start, end, charset: charset.toLowerCase(), bytes };
}

/**
 * An unstructured header value with its encoded words decoded. Adjacent words of one charset are
 * joined before decoding, so a character split across two words comes out whole.
 */
export function decodeHeaderText(value: string): string {
  const text = value.length > MAX_HEADER_DECODE ? value.slice(0, MAX_HEADER_DECODE) : value;
  if (!text.includes("=?")) return text;
  let out = "";
  let copied = 0;
  let pending: Word | null = null;
  let pendingChunks: Uint8Array[] = [];
  const flush = () => {
    if (pending) out += decodeBytes(Buffer.concat(pendingChunks), pending.charset);
    pending = null;
    pendingChunks = [];
  };
  let i = text.indexOf("=?");
  while (i >= 0) {
    const word = readWord(text, i);
    if (!word) {
      i = text.indexOf("=?", i + 2);
      continue;
    }
    const between = text.slice(copied, word.start);
    const onlySpace = between.trim() === "";
    if (pending && onlySpace && (pending as Word).charset === word.charset) {
      pendingChunks.push(word.bytes);
    } else {
      flush();
      // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
      if (!(onlySpace && copied > 0 && out !== "")) out += between;
      pending = word;
      pendingChunks = [word.bytes];
    }
    copied = word.end;
    i = text.indexOf("=?", word.end);
  }
  flush();
  return out + text.slice(copied);
}

// Where the header block ends: the first empty line.
function headerEnd(raw: Uint8Array): number {
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 2 * 1024 * 1024));
  const crlf = buffer.indexOf("\r\n\r\n");
  // Only an LF-only end before the CRLF one can come first: a CRLF message has no "\n\n", and
  // searching for one would read every byte of it.
  const lf = (crlf < 0 ? buffer : buffer.subarray(0, crlf)).indexOf("\n\n");
  if (crlf < 0 && lf < 0) return buffer.length;
  return lf < 0 ? crlf : lf;
}

/**
 * The message with its header block re-encoded as UTF-8 when it holds 8-bit bytes that are not UTF-8
 * (raw Latin-1 headers): the MIME parser reads headers as UTF-8 and would turn them into U+FFFD.
 */
export function repairHeaderBytes(raw: Uint8Array): { raw: Uint8Array; repaired: boolean } {
  const end = headerEnd(raw);
  const head = raw.subarray(0, end);
  let eightBit = false;
  for (let i = 0; i < head.length; i++) {
    if (head[i]! >= 0x80) {
      eightBit = true;
      break;
    }
  }
  if (!eightBit || isUtf8(head)) return { raw, repaired: false };
  const fixed = Buffer.from(repairC1(cp1252.decode(head)), "utf8");
  return { raw: Buffer.concat([fixed, raw.subarray(end)]), repaired: true };
}

// Changes to postal-mime, made only to the version they were written and checked against (pinned in
// package.json; a test fails when another is installed): they replace internals that any release may
// change, and then read mail wrongly. Any other version is used as it is, with a warning in the run's log.
// Its MimeNode is not exported: its prototype is reached once through a parsed message. (1) It decodes
// a text part with its declared charset (UTF-8 when none), so unlabelled or mislabelled 8-bit text
// turns into U+FFFD: its text decoding is given the fallback of decodeBytes (fixtures
// latin1-8bit-body-no-charset and utf8-declared-but-latin1-body). (2) Its transfer decoders and its
// parser's line search are replaced by native ones giving the same bytes faster (postal-mime-native.ts).

/** The postal-mime version the changes below are written for. */
export const POSTAL_MIME_PATCHED = "4.0.0";

/**
 * The installed postal-mime's version, from its package.json resolved as its import is (from this
 * module's place: the source, or the connector's compiled bundle beside it).
 */
export const POSTAL_MIME_INSTALLED = (createRequire(import.meta.url)("postal-mime/package.json") as { version: string }).version;

/** The warning for the run's log when postal-mime runs without the changes, or undefined. */
export function postalMimeWarning(installed = POSTAL_MIME_INSTALLED): string | undefined {
  if (installed === POSTAL_MIME_PATCHED) return undefined;
  return (
    `postal-mime ${installed} is installed, but the email connector's changes to it are written for ${POSTAL_MIME_PATCHED}: ` +
    `messages are read by postal-mime as it is (slower, and 8-bit text without a correct charset may read as U+FFFD); ` +
    `install postal-mime@${POSTAL_MIME_PATCHED}`
  );
}

let prepared: Promise<boolean> | undefined;

/** Applies the changes once per process; false when postal-mime is used as it is. */
export function preparePostalMime(): Promise<boolean> {
  prepared ??= patchPostalMime(POSTAL_MIME_INSTALLED);
  return prepared;
}

async function patchPostalMime(installed: string): Promise<boolean> {
  if (postalMimeWarning(installed)) return false;
  const parser = new PostalMime();
  await parser.parse("Content-Type: text/plain\r\n\r\nx");
  const root = (parser as unknown as { root?: object }).root;
  const proto = root ? (Object.getPrototypeOf(root) as { getTextContent?: () => string }) : undefined;
  const original = proto?.getTextContent;
  if (!proto || typeof original !== "function" || !installNativeDecoders(proto) || !installNativeLineReader(PostalMime.prototype))
    return false;
  proto.getTextContent = function (this: { content?: Uint8Array; contentType?: { parsed?: { params?: Record<string, string> } } }) {
    const params = this.contentType?.parsed?.params;
    if (params && this.content?.byteLength) params.charset = effectiveCharset(this.content, params.charset);
    return original.call(this);
  };
  return true;
}

export const forTest = { patchPostalMime };
