// Attachments as file indicators: SHA-256, size, and the type its first bytes show (magic numbers),
// to be set against the type the message declares.
import crypto from "node:crypto";

export interface FileFacts {
  sha256: string;
  size: number;
  /** MIME type from the content's magic bytes, or undefined when none is known. */
  sniffedType?: string;
}

interface Magic {
  type: string;
  offset: number;
  bytes: number[];
}

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

// Signatures of the types phishing and malware attachments come in.
const MAGICS: Magic[] = [
  { type: "application/pdf", offset: 0, bytes: ascii("%PDF-") },
  { type: "application/x-msdownload", offset: 0, bytes: ascii("MZ") },
  { type: "application/x-elf", offset: 0, bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { type: "application/x-ole-storage", offset: 0, bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] },
  { type: "application/zip", offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { type: "application/zip", offset: 0, bytes: [0x50, 0x4b, 0x05, 0x06] },
  { type: "application/vnd.rar", offset: 0, bytes: ascii("Rar!\x1a\x07") },
  { type: "application/x-7z-compressed", offset: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { type: "application/gzip", offset: 0, bytes: [0x1f, 0x8b] },
  { type: "application/x-iso9660-image", offset: 0x8001, bytes: ascii("CD001") },
  { type: "application/x-ms-shortcut", offset: 0, bytes: [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00] },
  { type: "application/rtf", offset: 0, bytes: ascii("{\\rtf") },
  { type: "image/png", offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: "image/jpeg", offset: 0, bytes: [0xff, 0xd8, 0xff] },
  { type: "image/gif", offset: 0, bytes: ascii("GIF8") },
  { type: "image/bmp", offset: 0, bytes: ascii("BM") },
  { type: "image/webp", offset: 8, bytes: ascii("WEBP") },
  { type: "application/vnd.ms-cab-compressed", offset: 0, bytes: ascii("MSCF") },
  { type: "application/x-msi", offset: 0, bytes: [0xd0, 0xcf, 0x11, 0xe0] },
];

function startsWithAt(data: Uint8Array, offset: number, bytes: number[]): boolean {
  if (data.length < offset + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (data[offset + i] !== bytes[i]) return false;
  return true;
}

function includesAscii(data: Uint8Array, text: string, limit: number): boolean {
  const end = Math.min(data.length, limit);
  return Buffer.from(data.buffer, data.byteOffset, end).includes(text, 0, "latin1");
}

/** The type the bytes show, or undefined. Office files in zip or OLE form are told apart by their contents. */
export function sniffType(data: Uint8Array): string | undefined {
  for (const magic of MAGICS) {
    if (!startsWithAt(data, magic.offset, magic.bytes)) continue;
    if (magic.type === "application/zip") {
      // OOXML names its parts in the first local headers: word/, xl/, ppt/.
      if (includesAscii(data, "word/", 4096)) return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
      if (includesAscii(data, "xl/", 4096)) return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
      if (includesAscii(data, "ppt/", 4096)) return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    }
    return magic.type;
  }
  // Text-like content: HTML (phishing pages sent as attachments), scripts.
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, 512)).toString("latin1").trimStart().toLowerCase();
  if (
    head.startsWith("<!doctype html") ||
    head.startsWith("<html") ||
    head.startsWith("<head") ||
    head.startsWith("<script") ||
    head.startsWith("<body")
  )
    return "text/html";
  if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.includes("<svg"))) return "image/svg+xml";
  return undefined;
}

export function describeFile(data: Uint8Array): FileFacts {
  const sniffed = sniffType(data);
  return {
    sha256: crypto.createHash("sha256").update(data).digest("hex"),
    size: data.byteLength,
    ...(sniffed ? { sniffedType: sniffed } : {}),
  };
}

// Declared types that are the same family as a sniffed one (an OLE file is a .doc, .xls, .msg…).
const SAME_FAMILY: Record<string, string[]> = {
  "application/x-ole-storage": [
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.ms-outlook",
    "application/x-msi",
  ],
  "application/zip": ["application/x-zip-compressed", "application/x-zip"],
  "application/x-msdownload": ["application/x-dosexec", "application/vnd.microsoft.portable-executable", "application/x-msdos-program"],
};

/** True when the declared type contradicts what the bytes show (a "PDF" that is an executable). */
export function typeMismatch(declared: string, sniffed: string | undefined): boolean {
  if (!sniffed || !declared || declared === "application/octet-stream") return false;
  const lower = declared.toLowerCase();
  if (lower === sniffed) return false;
  if (SAME_FAMILY[sniffed]?.includes(lower)) return false;
  if (
    sniffed.startsWith("application/vnd.openxmlformats") &&
    (lower === "application/zip" || lower.startsWith("application/vnd.openxmlformats") || lower.startsWith("application/vnd.ms-"))
  )
    return false;
  if (sniffed === "application/x-msi" && lower.startsWith("application/vnd.ms-")) return false;
  return true;
}
