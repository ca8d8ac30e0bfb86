// The bytes of a package's files travel beside its IPC message, in a file of the run's spool folder.
// Node's IPC channel moves a message through a 64 KB socket buffer a piece per turn of both event
// loops, so a batch of mail (megabytes, mostly the original messages) took tens of milliseconds to
// cross while both processes were busy, and every byte was copied into and out of V8's serializer.
// A file is written in one call and read in one call; only the platform names it (its folder and the
// package's number), so a connector can neither point it elsewhere nor read another run's.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { IntakeError } from "../../sdk/errors.js";

/** Files smaller than this stay in the message: a file costs more than copying them. */
export const SPOOLED_FROM_BYTES = 4096;

/** Where a spooled file's bytes are in the package's spool file. */
interface SpoolRef {
  spooled: [offset: number, length: number];
}

interface FileLike {
  data?: unknown;
}

function attachmentsOf(alert: unknown): FileLike[] {
  const attachments = (alert as { attachments?: unknown } | null)?.attachments;
  return Array.isArray(attachments) ? (attachments as FileLike[]) : [];
}

export function spoolFile(dir: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new IntakeError("PACKAGE_INVALID", `not a package number: ${String(seq)}`);
  return path.join(dir, `${seq}.bin`);
}

/** A folder of its own for one connector process's spool files (0700), or undefined when none can be made. */
export function makeSpoolFolder(): string | undefined {
  try {
    return fs.mkdtempSync(path.join(os.tmpdir(), "intake-spool-"));
  } catch {
    return undefined;
  }
}

/**
 * In the connector's process: writes the large files of these alerts to the package's spool file and
 * puts where they are in their place; alerts without a large file are sent as they are.
 */
export function spoolPackage(dir: string, seq: number, alerts: unknown[]): unknown[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const out = alerts.map((alert) => {
    const files = attachmentsOf(alert);
    if (!files.some((file) => file.data instanceof Uint8Array && file.data.byteLength >= SPOOLED_FROM_BYTES)) return alert;
    const attachments = files.map((file) => {
      if (!(file.data instanceof Uint8Array) || file.data.byteLength < SPOOLED_FROM_BYTES) return file;
      chunks.push(file.data);
      const ref: SpoolRef = { spooled: [offset, file.data.byteLength] };
      offset += file.data.byteLength;
      return { ...file, data: ref };
    });
    return { ...(alert as object), attachments };
  });
  if (chunks.length === 0) return alerts;
  const fd = fs.openSync(spoolFile(dir, seq), "wx", 0o600);
  try {
    fs.writevSync(fd, chunks);
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/**
 * In the platform: puts the bytes back (views of the spool file read once) and removes the file.
 * A reference outside the file, or a missing file, fails the package.
 */
export function unspoolPackage(dir: string, seq: number, alerts: unknown[]): unknown[] {
  const spooled = (data: unknown): data is SpoolRef => Array.isArray((data as SpoolRef | null)?.spooled);
  if (!alerts.some((alert) => attachmentsOf(alert).some((file) => spooled(file.data)))) return alerts;
  const file = spoolFile(dir, seq);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new IntakeError("PACKAGE_INVALID", `the package's files are missing (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  } finally {
    fs.rmSync(file, { force: true });
  }
  for (const alert of alerts) {
    for (const attachment of attachmentsOf(alert)) {
      if (!spooled(attachment.data)) continue;
      const [offset, length] = attachment.data.spooled;
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > bytes.byteLength) {
        throw new IntakeError("PACKAGE_INVALID", "a file of the package points outside the bytes sent with it");
      }
      attachment.data = bytes.subarray(offset, offset + length);
    }
  }
  return alerts;
}
