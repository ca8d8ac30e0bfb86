// The native transfer decoders give exactly the bytes postal-mime's own decoders give, line for line:
// on every fixture's lines and on seeded random lines full of the cases that differ (stray "=",
// half escapes, soft breaks, padding inside base64, bytes outside the alphabet).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { forTest } from "../../integrations/email/lib/postal-mime-native.js";
import { random } from "../support/phish-corpus.js";

interface Decoder {
  update(line: Uint8Array): void;
  finalize(): Promise<ArrayBuffer>;
}

// postal-mime's decoders are not in its exports map: loaded by file, as the parser itself loads them.
const postalDir = path.dirname(createRequire(import.meta.url).resolve("postal-mime/package.json"));
const original = async (file: string) =>
  ((await import(pathToFileURL(path.join(postalDir, "dist", "esm", file)).href)) as { default: new () => Decoder }).default;
const reference = {
  base64: await original("base64-decoder.js"),
  qp: await original("qp-decoder.js"),
  plain: await original("pass-through-decoder.js"),
};
const native = { base64: forTest.Base64Decoder, qp: forTest.QuotedPrintableDecoder, plain: forTest.PassThroughDecoder };

async function decode(Kind: new () => Decoder, lines: Uint8Array[]): Promise<Buffer> {
  const decoder = new Kind();
  for (const line of lines) decoder.update(line);
  return Buffer.from(await decoder.finalize());
}

/** Lines as postal-mime hands them to a decoder: split at LF, line ending removed. */
function linesOf(bytes: Buffer): Uint8Array[] {
  return bytes
    .toString("latin1")
    .split("\n")
    .map((line) => Buffer.from(line.replace(/\r+$/, ""), "latin1"));
}

const DIR = path.join(import.meta.dirname, "..", "fixtures", "mail");
const fixtures = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".eml"))
  .sort()
  .map((f) => ({ name: f, bytes: fs.readFileSync(path.join(DIR, f)) }));

const PIECES = [
  "=",
  "==",
  "===",
  "=3D",
  "=3d",
  "=4",
  "=G1",
  "=\t",
  "=C3=A9",
  " ",
  "\t",
  "QUJD",
  "QQ",
  "Q",
  "+/",
  "-_",
  "\xff",
  "\xe9",
  "\u0000",
  "abc",
  "=0A",
  "==QUJD",
];

function randomLines(seed: number): Uint8Array[] {
  const next = random(seed);
  return Array.from({ length: 1 + Math.floor(next() * 12) }, () => {
    let line = "";
    for (let i = Math.floor(next() * 10); i > 0; i--) line += PIECES[Math.floor(next() * PIECES.length)];
    return Buffer.from(line, "latin1");
  });
}

describe("native transfer decoders", () => {
  for (const kind of ["base64", "qp", "plain"] as const) {
    it(`${kind}: the same bytes as postal-mime's on every fixture's lines`, async () => {
      for (const { name, bytes } of fixtures) {
        const lines = linesOf(bytes);
        expect(await decode(native[kind], lines), name).toEqual(await decode(reference[kind], lines));
      }
    });

    it(`${kind}: the same bytes as postal-mime's on 3,000 random line sets`, async () => {
      let differing = 0;
      for (let seed = 1; seed <= 3000; seed++) {
        const lines = randomLines(seed);
        const [ours, theirs] = [await decode(native[kind], lines), await decode(reference[kind], lines)];
        if (!ours.equals(theirs)) {
          differing++;
          expect.soft(ours.toString("hex"), `seed ${seed}`).toBe(theirs.toString("hex"));
        }
      }
      expect(differing).toBe(0);
    });
  }

  // The fast path trusts Node's decoder with text that holds no "=", "-" or "_": one odd character
  // (those three, or one Node skips) anywhere in clean text of any length must give postal-mime's bytes.
  it("base64: the same bytes as postal-mime's on clean text with one odd character at every place", async () => {
    const clean = Buffer.from("The quick brown fox jumps over the lazy dog, 0123456789!").toString("base64").replace(/=+$/, "");
    let compared = 0;
    for (let length = 1; length <= 44; length++) {
      const text = clean.slice(0, length);
      for (const odd of ["-", "_", " ", "\t", "=", "==", "\xe9", "\u0000", "*", "."]) {
        for (let at = 0; at <= length; at++) {
          const line = Buffer.from(text.slice(0, at) + odd + text.slice(at), "latin1");
          const lines = at % 2 ? [line] : [line.subarray(0, at), line.subarray(at)];
          expect(await decode(native.base64, lines), JSON.stringify({ length, odd, at })).toEqual(await decode(reference.base64, lines));
          compared++;
        }
      }
    }
    // 10 odd characters at each of length + 1 places, lengths 1 to 44.
    expect(compared).toBe(10_340);
  });

  it("finds the same lines as postal-mime's parser, CRs and a missing last newline included", async () => {
    const PostalMime = (await import("postal-mime")).default as unknown as {
      prototype: { readLine: (this: object) => { bytes: Uint8Array; done: boolean } };
    };
    const theirs = PostalMime.prototype.readLine;
    expect(theirs).not.toBe(forTest.readLine);
    const inputs = [
      ...fixtures.map((f) => f.bytes),
      ...Array.from({ length: 500 }, (_, seed) =>
        Buffer.concat(randomLines(seed + 1).map((line, i) => Buffer.concat([line, Buffer.from(["\n", "\r\n", "\r\r\n", "\r"][i % 4]!)]))),
      ),
    ];
    for (const input of inputs) {
      const buf = new Uint8Array(input).buffer;
      const read = (reader: { call(state: object): { bytes: Uint8Array; done: boolean } }) => {
        const state = { buf, av: new Uint8Array(buf), readPos: 0 };
        const lines: string[] = [];
        while (state.readPos < state.av.length) {
          const { bytes, done } = reader.call(state);
          lines.push(`${Buffer.from(bytes).toString("hex")}${done ? "$" : ""}`);
        }
        return lines;
      };
      expect(read(forTest.readLine)).toEqual(read(theirs));
    }
  });

  it("in a part's headers, feeds the part the same lines postal-mime would, then its body's to the decoder", () => {
    const input = Buffer.from("Content-Type: text/plain\r\nX-A: 1\r\n\r\nbody one\r\nbody two\r\n--b\r\nlast\r\n", "latin1");
    const buf = new Uint8Array(input).buffer;
    const seen: string[] = [];
    const node = {
      state: "header",
      contentDecoder: null as null | { update(line: Uint8Array): void; finalize(): Promise<ArrayBuffer> },
      feed(line: Uint8Array) {
        seen.push(`feed:${Buffer.from(line).toString("latin1")}`);
        // As postal-mime's MimeNode: the empty line ends the headers and sets up the decoder.
        if (line.length === 0) {
          this.state = "body";
          this.contentDecoder = {
            update: (body: Uint8Array) => void seen.push(`body:${Buffer.from(body).toString("latin1")}`),
            finalize: async () => new ArrayBuffer(0),
          };
        }
      },
    };
    const reader = { buf, av: new Uint8Array(buf), readPos: 0, currentNode: node };
    const first = forTest.readLine.call(reader);
    expect(seen).toEqual(["feed:Content-Type: text/plain", "feed:X-A: 1", "feed:", "body:body one", "body:body two"]);
    // The boundary candidate comes back to the parser, as does the last line.
    expect(Buffer.from(first.bytes).toString("latin1")).toBe("--b");
    expect(first.done).toBe(false);
    const last = forTest.readLine.call(reader);
    expect([Buffer.from(last.bytes).toString("latin1"), last.done]).toEqual(["last", true]);
  });

  it("in a part's body, hands the decoder the same lines postal-mime would, keeping boundary candidates and the last \
line for the parser", async () => {
    const PostalMime = (await import("postal-mime")).default as unknown as {
      prototype: { readLine: (this: object) => { bytes: Uint8Array; done: boolean } };
    };
    const theirs = PostalMime.prototype.readLine;
    const pieces = ["--", "--b", "- -", "x--", "QUJD", "", " ", "\r", "text"];
    const inputs = [
      ...fixtures.map((f) => f.bytes),
      ...Array.from({ length: 500 }, (_, seed) => {
        const next = random(seed + 7);
        return Buffer.from(
          Array.from(
            { length: Math.floor(next() * 15) },
            () => pieces[Math.floor(next() * pieces.length)]! + ["\n", "\r\n", "\r\r\n", ""][Math.floor(next() * 4)],
          ).join(""),
          "latin1",
        );
      }),
    ];
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
    for (const input of inputs) {
      const buf = new Uint8Array(input).buffer;
      const expected: string[] = [];
      const plain = { buf, av: new Uint8Array(buf), readPos: 0 };
      while (plain.readPos < plain.av.length) {
        const { bytes, done } = theirs.call(plain);
        expected.push(`${hex(bytes)}${done ? "$" : ""}`);
      }
      const fed: Uint8Array[] = [];
      const body = {
        state: "body",
        contentDecoder: { update: (line: Uint8Array) => void fed.push(line), finalize: async () => new ArrayBuffer(0) },
        feed: () => undefined,
      };
      const ours = { buf, av: new Uint8Array(buf), readPos: 0, currentNode: body };
      const got: string[] = [];
      while (ours.readPos < ours.av.length) {
        const { bytes, done } = forTest.readLine.call(ours);
        for (const line of fed.splice(0)) {
          // Never a line that could be a boundary, never the last one: those the parser must see.
          expect(line[0] === 0x2d && line[1] === 0x2d).toBe(false);
          got.push(hex(line));
        }
        got.push(`${hex(bytes)}${done ? "$" : ""}`);
      }
      expect(got).toEqual(expected);
    }
  });

  it("decodes what the encodings mean", async () => {
    expect((await decode(native.qp, linesOf(Buffer.from("caf=C3=A9 =3D=\nsame line\n=XYend")))).toString("utf8")).toBe(
      "café =same line\n=XYend\n",
    );
    expect((await decode(native.base64, linesOf(Buffer.from("aGVs\nbG8=\n")))).toString()).toBe("hello");
    expect((await decode(native.base64, linesOf(Buffer.from("aGk=aGk=\n")))).toString()).toBe("hihi");
  });
});
