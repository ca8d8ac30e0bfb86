// QR codes in a message's PNG and JPEG parts (attachments and inline images): decoded with jsQR after pngjs or
// jpeg-js turn the bytes into pixels. Bounded: size, pixel count, images per message; tiny images skipped.
import { createRequire } from "node:module";
import type * as PngJs from "pngjs";
import type * as JpegJs from "jpeg-js";

/** Bytes of an image read for a QR code; larger ones are skipped. */
export const MAX_QR_IMAGE_BYTES = 5 * 1024 * 1024;
/** Images read for QR codes per message. */
export const MAX_QR_IMAGES = 10;
/** Pixels of an image read (width × height). */
export const MAX_QR_PIXELS = 4_000_000;
/** Narrower or lower than this, an image holds no readable code (icons, spacers, tracking pixels). */
export const MIN_QR_SIDE = 60;
/** Up to this many pixels, an inverted code (light on dark) is tried too. */
const INVERT_PIXELS = 1_000_000;

// Loaded on the first image only: most reports carry none, and every connector process would pay for them.
const load = createRequire(import.meta.url);
/** jsQR's one function (its typings describe an ES default export; the package is CommonJS). */
type JsQr = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: "dontInvert" | "attemptBoth" },
) => { data: string } | null;
let decoders: { jsQR: JsQr; PNG: typeof PngJs.PNG; jpeg: typeof JpegJs } | undefined;
function decodersOf() {
  decoders ??= { jsQR: load("jsqr") as JsQr, PNG: (load("pngjs") as typeof PngJs).PNG, jpeg: load("jpeg-js") as typeof JpegJs };
  return decoders;
}

export type QrImageType = "image/png" | "image/jpeg";

/** Width and height of a PNG from its IHDR chunk, without decoding it. */
function pngSize(data: Uint8Array): { width: number; height: number } | undefined {
  if (data.byteLength < 24 || String.fromCharCode(...data.subarray(12, 16)) !== "IHDR") return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Width and height of a JPEG from its first start-of-frame segment (segments skipped by their lengths: one pass). */
function jpegSize(data: Uint8Array): { width: number; height: number } | undefined {
  let at = 2;
  while (at + 9 < data.byteLength) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    // Markers without a length: restart markers and the like.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    const length = (data[at + 2]! << 8) | data[at + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (data[at + 5]! << 8) | data[at + 6]!, width: (data[at + 7]! << 8) | data[at + 8]! };
    }
    if (length < 2) return undefined;
    at += 2 + length;
  }
  return undefined;
}

export type QrOutcome = { text: string } | { skipped: string } | { none: true };

/** The text of the QR code an image holds, or why the image was not read, or none. Never throws. */
export function decodeQrImage(data: Uint8Array, type: QrImageType): QrOutcome {
  if (data.byteLength > MAX_QR_IMAGE_BYTES) return { skipped: `larger than ${MAX_QR_IMAGE_BYTES} bytes` };
  const size = type === "image/png" ? pngSize(data) : jpegSize(data);
  if (!size) return { skipped: "its size could not be read" };
  if (size.width < MIN_QR_SIDE || size.height < MIN_QR_SIDE) return { none: true };
  if (size.width * size.height > MAX_QR_PIXELS) return { skipped: `${size.width}×${size.height} is more than ${MAX_QR_PIXELS} pixels` };
  try {
    const { jsQR, PNG, jpeg } = decodersOf();
    const pixels =
      type === "image/png"
        ? PNG.sync.read(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
        : jpeg.decode(data, {
            useTArray: true,
            formatAsRGBA: true,
            tolerantDecoding: true,
            maxResolutionInMP: MAX_QR_PIXELS / 1_000_000,
            maxMemoryUsageInMB: 64,
          });
    const { width, height } = pixels;
    // The decoders say what they decoded: a header that lied about the size is caught here.
    if (width * height > MAX_QR_PIXELS || pixels.data.byteLength < width * height * 4)
      return { skipped: "its pixels do not match its size" };
    const clamped = new Uint8ClampedArray(pixels.data.buffer, pixels.data.byteOffset, width * height * 4);
    const code = jsQR(clamped, width, height, { inversionAttempts: width * height <= INVERT_PIXELS ? "attemptBoth" : "dontInvert" });
    return code?.data ? { text: code.data.slice(0, 8000) } : { none: true };
  } catch (error) {
    return { skipped: `it could not be decoded (${String((error as Error).message).slice(0, 100)})` };
  }
}
