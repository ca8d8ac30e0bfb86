// The parsers of the feed formats, one a row of the SDK's FEED_FORMAT_TABLE (URLhaus CSV, PhishTank JSON/CSV, …).
// Line formats are streamed; JSON files are bounded in size. Every scan is index-based and linear (no
// backtracking regex on feed text); a file that cannot be read throws naming its line or object and what
// was expected there, never quoting the file's text (an error reaches analysts on the Feeds page).
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { Readable } from "node:stream";
import {
  FEED_FORMATS,
  indicatorKey,
  MAX_INDICATOR_LENGTH,
  MAX_INDICATOR_NOTE_LENGTH,
  type FeedFormat,
  type FeedIndicator,
  type IndicatorKind,
} from "intake/sdk";

/** Largest JSON file read whole (a PhishTank dump, a STIX bundle, a MISP event). */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

const note = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim().slice(0, MAX_INDICATOR_NOTE_LENGTH) : undefined);

function indicator(kind: IndicatorKind, value: string, where: string, extra: { threat?: unknown; tags?: unknown } = {}): FeedIndicator {
  const text = value.trim();
  if (text.length > MAX_INDICATOR_LENGTH) throw new Error(`${where}: expected a ${kind} of at most ${MAX_INDICATOR_LENGTH} characters`);
  if (indicatorKey(kind, text) === undefined) throw new Error(`${where}: expected a ${kind}`);
  const threat = note(extra.threat);
  const tags = note(extra.tags);
  return { kind, value: text, ...(threat ? { threat } : {}), ...(tags ? { tags } : {}) };
}

async function openStream(source: string): Promise<Readable> {
  if (source.startsWith("https://")) {
    const response = await fetch(source, { redirect: "follow" });
    if (!response.ok || !response.body) throw new Error(`${source}: HTTP ${response.status}`);
    return Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
  }
  return fs.createReadStream(source);
}

async function* lines(source: string): AsyncGenerator<[string, number]> {
  const input = readline.createInterface({ input: await openStream(source), crlfDelay: Infinity });
  let number = 0;
  for await (const line of input) yield [line, ++number];
}

async function readJson(source: string, where: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await openStream(source)) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) throw new Error(`${where}: larger than ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the fault: only its position is kept.
    const position = / at position (\d+)(?: \(line \d+ column \d+\))?$/.exec((error as Error).message)?.[1];
    throw new Error(`${where}: expected JSON${position === undefined ? "" : ` (${lineAndColumn(text, Number(position))})`}`);
  }
}

/** "line L, column C" of an offset into a text. */
function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let at = text.indexOf("\n"); at >= 0 && at < offset; at = text.indexOf("\n", at + 1)) {
    line++;
    start = at + 1;
  }
  return `line ${line}, column ${offset - start + 1}`;
}

/** One CSV record of one line (RFC 4180 quoting, "" for a quote); throws on an unclosed quote. */
export function csvFields(line: string, where: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") {
      quoted = true;
    } else if (ch === ",") {
      fields.push(field);
      field = "";
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) throw new Error(`${where}: a quoted field is not closed`);
  fields.push(field);
  return fields;
}

/** URLhaus CSV: comment lines, one of them the header `# id,dateadded,url,url_status,...,threat,tags,...`. */
async function* urlhaus(source: string): AsyncGenerator<FeedIndicator> {
  let columns: string[] | undefined;
  for await (const [line, number] of lines(source)) {
    const where = `line ${number}`;
    if (line.startsWith("#")) {
      const text = line.slice(1).trim();
      if (text.startsWith("id,")) columns = csvFields(text, where).map((name) => name.trim());
      continue;
    }
    if (line.trim() === "") continue;
    if (!columns?.includes("url")) throw new Error(`${where}: no header "# id,dateadded,url,…" before the first entry`);
    const fields = csvFields(line, where);
    if (fields.length !== columns.length) throw new Error(`${where}: ${fields.length} fields, the header names ${columns.length}`);
    const field = (name: string) => fields[columns!.indexOf(name)];
    yield indicator("url", field("url") ?? "", where, { threat: field("threat"), tags: field("tags") });
  }
}

/** PhishTank: the JSON dump (an array of {url, target, …}) or the CSV one (header `phish_id,url,…`). */
async function* phishtank(source: string): AsyncGenerator<FeedIndicator> {
  const first = await firstCharacter(source);
  if (first === "[") {
    const entries = await readJson(source, "file");
    if (!Array.isArray(entries)) throw new Error("file: a PhishTank JSON feed is an array");
    for (const [index, entry] of entries.entries()) {
      // A phish_id is shown only when it is one (digits): anything else would quote the file.
      const phishId = String(entry?.phish_id ?? "");
      const where = `object ${index + 1}${/^\d{1,20}$/.test(phishId) ? ` (phish_id ${phishId})` : ""}`;
      if (typeof entry !== "object" || entry === null || typeof entry.url !== "string") throw new Error(`${where}: no "url"`);
      yield indicator("url", entry.url, where, { threat: "phishing", tags: entry.target });
    }
    return;
  }
  let columns: string[] | undefined;
  for await (const [line, number] of lines(source)) {
    const where = `line ${number}`;
    if (line.trim() === "") continue;
    const fields = csvFields(line, where);
    if (!columns) {
      columns = fields.map((name) => name.trim());
      if (!columns.includes("url") || !columns.includes("phish_id"))
        throw new Error(`${where}: expected a header naming phish_id and url (${columns.length} columns without them)`);
      continue;
    }
    if (fields.length !== columns.length) throw new Error(`${where}: ${fields.length} fields, the header names ${columns.length}`);
    yield indicator("url", fields[columns.indexOf("url")]!, where, { threat: "phishing", tags: fields[columns.indexOf("target")] });
  }
}

async function firstCharacter(source: string): Promise<string | undefined> {
  for await (const [line] of lines(source)) {
    const trimmed = line.trim();
    if (trimmed) return trimmed[0];
  }
  return undefined;
}

/** OpenPhish: one URL a line. */
async function* openphish(source: string): AsyncGenerator<FeedIndicator> {
  for await (const [line, number] of lines(source)) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    yield indicator("url", line, `line ${number}`, { threat: "phishing" });
  }
}

// MISP attribute types → the kind of their value (for `a|b` types: of each part).
const MISP_KINDS: Record<string, IndicatorKind> = {
  url: "url",
  link: "url",
  uri: "url",
  domain: "domain",
  hostname: "domain",
  "ip-src": "ip",
  "ip-dst": "ip",
  md5: "md5",
  sha1: "sha1",
  sha256: "sha256",
};

function mispAttribute(attribute: unknown, where: string): FeedIndicator[] {
  const { type, value, category, Tag } = (attribute ?? {}) as { type?: unknown; value?: unknown; category?: unknown; Tag?: unknown };
  if (typeof type !== "string" || typeof value !== "string") throw new Error(`${where}: an attribute needs a "type" and a "value"`);
  const tags = Array.isArray(Tag)
    ? Tag.map((tag) => (tag as { name?: unknown })?.name)
        .filter((name) => typeof name === "string")
        .join(",")
    : undefined;
  const extra = { threat: category, tags };
  const parts = type.split("|");
  const values = parts.length > 1 ? value.split("|") : [value];
  const out: FeedIndicator[] = [];
  parts.forEach((part, index) => {
    // filename|sha256: the hash part; ip-dst|port: the address; other parts are no indicator.
    const kind = MISP_KINDS[part];
    if (kind && values[index] !== undefined) out.push(indicator(kind, values[index]!, `${where} (${part})`, extra));
  });
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** MISP feed folder: manifest.json maps event UUIDs to events, each in UUID.json with its Attribute list. */
async function* misp(folder: string): AsyncGenerator<FeedIndicator> {
  const manifest = await readJson(path.join(folder, "manifest.json"), "manifest.json");
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
    throw new Error("manifest.json: an object mapping event UUIDs to events");
  for (const [index, uuid] of Object.keys(manifest).entries()) {
    if (!UUID.test(uuid)) throw new Error(`manifest.json: key ${index + 1}: expected an event UUID`);
    const file = `${uuid}.json`;
    const document = (await readJson(path.join(folder, file), file)) as { Event?: { Attribute?: unknown; Object?: unknown } };
    const event = document?.Event;
    if (typeof event !== "object" || event === null) throw new Error(`${file}: no "Event"`);
    const attributes = Array.isArray(event.Attribute) ? event.Attribute : [];
    for (const [index, attribute] of attributes.entries()) yield* mispAttribute(attribute, `${file} attribute ${index + 1}`);
    const objects = Array.isArray(event.Object) ? event.Object : [];
    for (const [objectIndex, object] of objects.entries()) {
      const inner = (object as { Attribute?: unknown })?.Attribute;
      for (const [index, attribute] of (Array.isArray(inner) ? inner : []).entries())
        yield* mispAttribute(attribute, `${file} object ${objectIndex + 1} attribute ${index + 1}`);
    }
  }
}

// STIX object paths → the kind of their value.
const STIX_PATHS: Record<string, IndicatorKind> = {
  "url:value": "url",
  "domain-name:value": "domain",
  "ipv4-addr:value": "ip",
  "ipv6-addr:value": "ip",
  "file:hashes.'sha-256'": "sha256",
  "file:hashes.sha256": "sha256",
  "file:hashes.'sha256'": "sha256",
  "file:hashes.md5": "md5",
  "file:hashes.'md5'": "md5",
  "file:hashes.'sha-1'": "sha1",
  "file:hashes.sha1": "sha1",
  "file:hashes.'sha1'": "sha1",
};

/**
 * The indicators of a STIX pattern: comparisons `path = 'value'` in brackets, joined with OR (inside a
 * bracket or between them). AND, other operators and other paths are refused: a pattern read halfway
 * would list more than its author meant.
 */
export function stixPattern(pattern: string, where: string): { kind: IndicatorKind; value: string }[] {
  const out: { kind: IndicatorKind; value: string }[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${where}: pattern: ${why}`);
  };
  const skipSpace = () => {
    while (i < pattern.length && " \t\r\n".includes(pattern[i]!)) i++;
  };
  const word = () => {
    const start = i;
    while (i < pattern.length && !" \t\r\n[]()=!<>".includes(pattern[i]!)) {
      if (pattern[i] === "'") {
        i++;
        while (i < pattern.length && pattern[i] !== "'") i++;
      }
      i++;
    }
    return pattern.slice(start, i);
  };
  let depth = 0;
  let expectComparison = true;
  for (skipSpace(); i < pattern.length; skipSpace()) {
    const ch = pattern[i]!;
    if (ch === "[") {
      if (!expectComparison) fail(`"[" where OR was expected at ${i}`);
      depth++;
      i++;
      continue;
    }
    if (ch === "]") {
      if (depth === 0 || expectComparison) fail(`unexpected "]" at ${i}`);
      depth--;
      i++;
      continue;
    }
    if (!expectComparison) {
      const joiner = word().toUpperCase();
      if (joiner !== "OR")
        fail(joiner === "AND" ? "comparisons combined with AND are not read" : `OR was expected at ${i - joiner.length}`);
      expectComparison = true;
      continue;
    }
    if (depth === 0) fail(`a comparison outside brackets at ${i}`);
    const pathAt = i;
    const objectPath = word().toLowerCase();
    const kind = Object.hasOwn(STIX_PATHS, objectPath) ? STIX_PATHS[objectPath] : undefined;
    if (!kind)
      fail(`unknown object path at ${pathAt} (expected url:value, domain-name:value, ipv4-addr:value, ipv6-addr:value or file:hashes)`);
    skipSpace();
    if (pattern[i] !== "=") fail(`only "=" comparisons are read (at ${i})`);
    i++;
    skipSpace();
    if (pattern[i] !== "'") fail(`a quoted value was expected at ${i}`);
    let value = "";
    for (i++; ; i++) {
      if (i >= pattern.length) fail("a quoted value is not closed");
      if (pattern[i] === "\\" && i + 1 < pattern.length) {
        value += pattern[++i];
        continue;
      }
      if (pattern[i] === "'") break;
      value += pattern[i];
    }
    i++;
    out.push({ kind: kind!, value });
    expectComparison = false;
  }
  if (depth !== 0 || expectComparison) fail("it ends before its brackets close");
  return out;
}

/** STIX 2.1 bundle: its indicator objects' patterns (pattern_type stix). */
async function* stix(source: string): AsyncGenerator<FeedIndicator> {
  const bundle = (await readJson(source, "file")) as { type?: unknown; objects?: unknown };
  if (bundle?.type !== "bundle" || !Array.isArray(bundle.objects))
    throw new Error(`file: a STIX bundle ({"type": "bundle", "objects": […]}) was expected`);
  for (const [index, object] of bundle.objects.entries()) {
    const {
      type,
      id,
      pattern,
      pattern_type: patternType,
      name,
      labels,
      indicator_types: indicatorTypes,
    } = (object ?? {}) as Record<string, unknown>;
    if (type !== "indicator") continue;
    // An id is shown only when it has an id's shape (type--hex): anything else would quote the file.
    const validId = typeof id === "string" && /^[a-z][a-z0-9-]{0,40}--[0-9a-f-]{1,40}$/.test(id);
    const where = `object ${index + 1} (${validId ? id : "no valid id"})`;
    if (patternType !== undefined && patternType !== "stix") continue;
    if (typeof pattern !== "string") throw new Error(`${where}: an indicator without a "pattern"`);
    const kinds = Array.isArray(indicatorTypes) ? indicatorTypes : Array.isArray(labels) ? labels : [];
    for (const found of stixPattern(pattern, where))
      yield indicator(found.kind, found.value, where, { threat: kinds.filter((k) => typeof k === "string").join(","), tags: name });
  }
}

type Parser = (source: string) => AsyncGenerator<FeedIndicator>;

// One parser for each row of the SDK's FEED_FORMAT_TABLE: a row without its parser fails the type-check.
const PARSERS: Record<FeedFormat, Parser> = { urlhaus, phishtank, openphish, misp, stix };

/** The indicators of a feed in one of the formats. */
export function parseFeed(format: string, source: string): AsyncGenerator<FeedIndicator> {
  const parser = Object.hasOwn(PARSERS, format) ? PARSERS[format as FeedFormat] : undefined;
  if (!parser) throw new Error(`unknown feed format "${format}" (known: ${FEED_FORMATS.join(", ")})`);
  return parser(source);
}
