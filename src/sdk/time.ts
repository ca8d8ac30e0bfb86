// Date helpers with the guide's names: strings to dates, dates to Unix epoch milliseconds.
import { DateInvalid } from "./errors.js";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** Old zone names still seen in Date headers (RFC 5322 §4.3). */
const ZONES: Record<string, string> = {
  UT: "+0000",
  GMT: "+0000",
  Z: "+0000",
  EST: "-0500",
  EDT: "-0400",
  CST: "-0600",
  CDT: "-0500",
  MST: "-0700",
  MDT: "-0600",
  PST: "-0800",
  PDT: "-0700",
};

/** Removes (comments), without a regex, so that hostile input costs linear time. */
function stripComments(text: string): string {
  let depth = 0;
  let out = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    else if (ch === ")" && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

/** Minutes east of UTC of an IANA time zone at a given instant (Intl knows the rules, DST included). */
export function timeZoneOffsetMinutes(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** Checks that a time zone name is one Intl knows ("UTC", "Asia/Seoul"). */
export function isTimeZone(timeZone: string): boolean {
  // The default, known without Intl: its first use loads the time zone data (about 10 ms per process).
  if (timeZone === "UTC") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

const DIGIT_0 = 48;

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i) - DIGIT_0;
    if (!(code >= 0 && code <= 9)) return -1;
    value = value * 10 + code;
  }
  return value;
}

/**
 * The form nearly every mailer writes, read by position: "[Tue, ]1 Jul 2003 10:52:37 +0200" with a
 * numeric zone and nothing else but a trailing comment. Undefined for anything else, which the
 * tolerant reader below takes (it gives the same date for this form, only slower: tested).
 */
function parseCanonicalMailDate(text: string): Date | undefined {
  let at = 0;
  // An optional day name: three letters and a comma, then a space.
  if (text.charCodeAt(3) === 44 /* , */ && text.charCodeAt(4) === 32) at = 5;
  const dayDigits = text.charCodeAt(at + 1) === 32 ? 1 : 2;
  const day = digits(text, at, dayDigits);
  at += dayDigits;
  if (day < 1 || day > 31 || text.charCodeAt(at) !== 32) return undefined;
  const month = MONTHS.indexOf(text.slice(at + 1, at + 4).toLowerCase());
  at += 4;
  if (month < 0 || text.charCodeAt(at) !== 32) return undefined;
  const year = digits(text, at + 1, 4);
  at += 5;
  if (year < 0 || text.charCodeAt(at) !== 32) return undefined;
  const hours = digits(text, at + 1, 2);
  const minutes = text.charCodeAt(at + 3) === 58 /* : */ ? digits(text, at + 4, 2) : -1;
  const seconds = text.charCodeAt(at + 6) === 58 ? digits(text, at + 7, 2) : -1;
  at += 9;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 60 || text.charCodeAt(at) !== 32) return undefined;
  const sign = text.charCodeAt(at + 1) === 43 /* + */ ? 1 : text.charCodeAt(at + 1) === 45 /* - */ ? -1 : 0;
  const zone = digits(text, at + 2, 4);
  at += 6;
  if (sign === 0 || zone < 0) return undefined;
  // The end, or a comment ("(UTC)") after a space.
  if (at !== text.length && !(text.charCodeAt(at) === 32 && text.charCodeAt(at + 1) === 40 /* ( */ && text.endsWith(")"))) return undefined;
  const offsetMinutes = sign * (Math.floor(zone / 100) * 60 + (zone % 100));
  const date = new Date(Date.UTC(year, month, day, hours, minutes, Math.min(seconds, 59)) - offsetMinutes * 60_000);
  // Day 31 of a month of 30 days (and the like) rolls over: the tolerant reader says what that means.
  return Number.isNaN(date.getTime()) || new Date(Date.UTC(year, month, day)).getUTCDate() !== day ? undefined : date;
}

/** RFC 5322 date-time, tolerant of what mailers really write: "Tue, 1 Jul 2003 10:52:37 +0200". */
function parseMailDate(text: string, timeZone?: string): Date | undefined {
  return parseCanonicalMailDate(text) ?? parseTolerantMailDate(text, timeZone);
}

function parseTolerantMailDate(text: string, timeZone?: string): Date | undefined {
  const tokens = stripComments(text).replace(/,/g, " ").split(/\s+/).filter(Boolean);
  let day: number | undefined, month: number | undefined, year: number | undefined;
  let time: number[] | undefined, zone: string | undefined;
  for (const token of tokens) {
    const lower = token.toLowerCase();
    const monthIndex = MONTHS.indexOf(lower.slice(0, 3));
    if (monthIndex >= 0 && month === undefined && /^[a-z]+\.?$/.test(lower)) {
      month = monthIndex;
      continue;
    }
    if (/^\d{1,2}:\d{2}(:\d{2})?$/.test(token)) {
      time = token.split(":").map(Number);
      continue;
    }
    if (/^[+-]\d{4}$/.test(token)) {
      zone = token;
      continue;
    }
    if (ZONES[token.toUpperCase()] !== undefined) {
      zone = ZONES[token.toUpperCase()];
      continue;
    }
    if (/^\d{1,4}$/.test(token)) {
      const value = Number(token);
      if (day === undefined && token.length <= 2 && value >= 1 && value <= 31) day = value;
      else if (year === undefined) year = token.length <= 2 ? (value < 50 ? 2000 + value : 1900 + value) : value;
    }
  }
  if (day === undefined || month === undefined || year === undefined || !time) return undefined;
  const [hours = 0, minutes = 0, seconds = 0] = time;
  if (hours > 23 || minutes > 59 || seconds > 60) return undefined;
  const wallClock = Date.UTC(year, month, day, hours, minutes, Math.min(seconds, 59));
  let offsetMinutes: number;
  if (zone) {
    const sign = zone.startsWith("-") ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  } else {
    // No zone written: the given time zone (the server's), else UTC.
    offsetMinutes = timeZone ? timeZoneOffsetMinutes(timeZone, new Date(wallClock)) : 0;
  }
  const utc = wallClock - offsetMinutes * 60_000;
  const date = new Date(utc);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Parses a date string: ISO 8601 or an e-mail Date header (RFC 5322, with its obsolete forms).
 * A date written without a zone is read in `timeZone` (an IANA name, as SecOps' `timezone_str`), else UTC.
 * Throws an IntakeError naming the string when it is not a date.
 */
export function convertStringToDatetime(text: string, timeZone?: string): Date {
  const trimmed = String(text ?? "")
    .trim()
    .slice(0, 200);
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) || trimmed.length === 10;
    const iso = new Date(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : hasZone || !timeZone ? trimmed : `${trimmed}Z`);
    if (!Number.isNaN(iso.getTime())) {
      return hasZone || !timeZone ? iso : new Date(iso.getTime() - timeZoneOffsetMinutes(timeZone, iso) * 60_000);
    }
  }
  const mail = parseMailDate(trimmed, timeZone);
  if (mail) return mail;
  throw new DateInvalid(JSON.stringify(trimmed.slice(0, 80)));
}

/** Unix epoch milliseconds, as SecOps events and alerts carry them. */
export function convertDatetimeToUnixTime(date: Date): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new DateInvalid(String(date));
  return ms;
}

/** The current time as Unix epoch milliseconds. */
export function unixNow(): number {
  return Date.now();
}

/** For tests: the two readers of a mail date, to check they agree. */
export const mailDateReaders = { canonical: parseCanonicalMailDate, tolerant: parseTolerantMailDate };
