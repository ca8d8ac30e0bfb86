// Node-native fast paths for postal-mime, which is written for every JavaScript runtime: it decodes
// transfer encodings in JavaScript (a zeroed 100 KB buffer for every quoted-printable part, base64
// through a lookup table one string per line, every part's bytes through a Blob and back) and finds
// line ends byte by byte. That was about half the CPU of reading a report. These give the same bytes
// (checked against postal-mime's own on every fixture and on random input) with Node's native Buffer
// and TypedArray methods; a part's lines are kept until its end, as postal-mime's decoders keep them.

const LF = 0x0a;
const CR = 0x0d;
const EQUALS = 0x3d;

interface PartDecoder {
  update(line: Uint8Array): void;
  finalize(): Promise<ArrayBuffer>;
}

function hexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function totalLength(lines: Uint8Array[]): number {
  let total = 0;
  for (const line of lines) total += line.byteLength + 1;
  return total;
}

/** The lines as they came, each followed by a newline (an 7bit, 8bit or binary part). */
class PassThroughDecoder implements PartDecoder {
  readonly #lines: Uint8Array[] = [];
  update(line: Uint8Array): void {
    this.#lines.push(line);
  }
  async finalize(): Promise<ArrayBuffer> {
    const out = new Uint8Array(totalLength(this.#lines));
    let at = 0;
    for (const line of this.#lines) {
      out.set(line, at);
      out[at + line.byteLength] = LF;
      at += line.byteLength + 1;
    }
    return out.buffer;
  }
}

/** Quoted-printable: "=XY" is a byte, "=" at a line's end a soft break; anything else is literal. */
class QuotedPrintableDecoder implements PartDecoder {
  readonly #lines: Uint8Array[] = [];
  update(line: Uint8Array): void {
    this.#lines.push(line);
  }
  async finalize(): Promise<ArrayBuffer> {
    // Decoding never lengthens a line: the newline counted per line is the most it can add.
    const out = new Uint8Array(totalLength(this.#lines));
    let at = 0;
    for (const line of this.#lines) {
      let length = line.byteLength;
      const softBreak = length > 0 && line[length - 1] === EQUALS;
      if (softBreak) length--;
      let literalStart = 0;
      let next = line.indexOf(EQUALS);
      while (next >= 0 && next < length) {
        const high = next + 2 < length ? hexNibble(line[next + 1]!) : -1;
        const low = high >= 0 ? hexNibble(line[next + 2]!) : -1;
        if (low >= 0) {
          out.set(line.subarray(literalStart, next), at);
          at += next - literalStart;
          out[at++] = (high << 4) | low;
          literalStart = next + 3;
          next = line.indexOf(EQUALS, literalStart);
        } else {
          // Not an escape: kept as literal text.
          next = line.indexOf(EQUALS, next + 1);
        }
      }
      out.set(line.subarray(literalStart, length), at);
      at += length - literalStart;
      if (!softBreak) out[at++] = LF;
    }
    return at === out.byteLength ? out.buffer : out.buffer.slice(0, at);
  }
}

const NOT_BASE64_OR_PAD = /[^A-Za-z0-9+/=]+/g;
const PADDING = /=+/;

/** Base64 text without its final padding. */
function unpadded(text: string): string {
  return text.endsWith("==") ? text.slice(0, -2) : text.endsWith("=") ? text.slice(0, -1) : text;
}

/**
 * Base64, as postal-mime reads it: characters outside the alphabet are dropped, and "=" ends a unit
 * (some mailers pad every line), each unit decoded on its own; a unit's stray last character is dropped.
 */
class Base64Decoder implements PartDecoder {
  readonly #lines: Uint8Array[] = [];
  update(line: Uint8Array): void {
    this.#lines.push(line);
  }
  async finalize(): Promise<ArrayBuffer> {
    const text = unpadded(Buffer.concat(this.#lines).toString("latin1"));
    // The common case, one clean run (padded at its end only), is one native decode. Node's decoder
    // skips what is not base64 as postal-mime does, but stops at a "=" (postal-mime reads on after
    // it) and reads "-" and "_" (base64url), which postal-mime drops: text with none of the three
    // decodes the same either way. (Three native searches: re-encoding the bytes to compare costs as
    // much as the decode, and a regex test for stray characters more.)
    if (!text.includes("=") && !text.includes("-") && !text.includes("_")) return exactBuffer(Buffer.from(text, "base64"));
    const units = text.replace(NOT_BASE64_OR_PAD, "").split(PADDING);
    return exactBuffer(Buffer.concat(units.map((unit) => Buffer.from(unit.length % 4 === 1 ? unit.slice(0, -1) : unit, "base64"))));
  }
}

/** A Buffer's bytes in an ArrayBuffer of their own (a small Buffer is a view into a shared pool). */
function exactBuffer(bytes: Buffer): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out.buffer;
}

/** Gives postal-mime's MimeNode (reached through its prototype) these decoders. */
export function installNativeDecoders(mimeNodePrototype: object): boolean {
  const proto = mimeNodePrototype as { setupContentDecoder?: (encoding: string) => void };
  if (typeof proto.setupContentDecoder !== "function") return false;
  // The same choice as postal-mime's: by substring of the Content-Transfer-Encoding, case-insensitive.
  proto.setupContentDecoder = function (this: { contentDecoder: PartDecoder | null }, encoding: string) {
    const name = String(encoding).toLowerCase();
    this.contentDecoder = name.includes("base64")
      ? new Base64Decoder()
      : name.includes("quoted-printable")
        ? new QuotedPrintableDecoder()
        : new PassThroughDecoder();
  };
  return true;
}

interface LineReader {
  buf: ArrayBuffer;
  av: Uint8Array;
  readPos: number;
  /** The part being read (postal-mime's MimeNode): its state, transfer decoder and line intake. */
  currentNode?: { state: string; contentDecoder: PartDecoder | null; feed(line: Uint8Array): void };
  /** The message's bytes as a Buffer over the same memory, made at the first line. */
  [SEARCHABLE]?: Buffer;
}

const SEARCHABLE = Symbol("intake.searchable");

const DASH = 0x2d;

/** A line from `start` to the LF at `newline` (or the end), without its trailing CRs. */
function lineAt(reader: LineReader, start: number, newline: number): Uint8Array {
  let end = newline < 0 ? reader.av.length : newline;
  while (end > start && reader.av[end - 1] === CR) end--;
  return new Uint8Array(reader.buf, start, end - start);
}

/**
 * postal-mime's readLine, with the line end found by a native search: the next line without its CR/LF
 * (a CR inside the line stays), and whether it was the last.
 *
 * The lines that cannot end a part go to the part first: postal-mime would hand each of them over with
 * an await and a boundary check, and nearly all of a message's lines are those (a base64 attachment is a
 * line per 76 characters). Only a line that starts with "--" can be a boundary, and the last line
 * finishes the message, so both still go through the parser as before; every other line is given to the
 * part exactly as postal-mime's parser gives it: `currentNode.feed(line)` (a header line, or the empty
 * line that ends the headers), or in the body straight to `contentDecoder.update(line)`, which is all
 * that feed does there.
 */
export function readLine(this: LineReader): { bytes: Uint8Array; done: boolean } {
  const { av } = this;
  // Buffer's search finds a byte in a fraction of the time of Uint8Array's.
  this[SEARCHABLE] ??= Buffer.from(this.buf);
  const bytes = this[SEARCHABLE];
  let start = this.readPos;
  while (!(av[start] === DASH && av[start + 1] === DASH)) {
    const node = this.currentNode;
    if (!node) break;
    const newline = bytes.indexOf(LF, start);
    if (newline < 0 || newline + 1 >= av.length) break;
    const decoder = node.state === "body" ? node.contentDecoder : null;
    if (decoder) decoder.update(lineAt(this, start, newline));
    else if (node.state === "header") node.feed(lineAt(this, start, newline));
    else break;
    start = newline + 1;
  }
  const newline = bytes.indexOf(LF, start);
  this.readPos = newline < 0 ? av.length : newline + 1;
  return { bytes: lineAt(this, start, newline), done: this.readPos >= av.length };
}

/** Gives postal-mime's parser (its exported class) the native line search. */
export function installNativeLineReader(postalMimePrototype: object): boolean {
  const proto = postalMimePrototype as { readLine?: unknown };
  if (typeof proto.readLine !== "function") return false;
  proto.readLine = readLine;
  return true;
}

export const forTest = { PassThroughDecoder, QuotedPrintableDecoder, Base64Decoder, readLine };
