// A package travels from the connector's process to the platform in a file of the run's spool folder;
// the IPC message only says that it is there. Node's IPC channel moves a message through a 64 KB
// socket buffer a piece per turn of both event loops, so a batch of mail (megabytes: the original
// messages, and the alerts around them) took tens of milliseconds to cross while both processes were
// busy, and every file's bytes went through V8's serializer one host object at a time. A file is
// written in one call and read in one call. Only the platform names it (its folder, made for this
// process alone, and the package's number), so a connector can neither point it elsewhere nor read
// another run's; what the file holds is checked like any package.
//
// The file: 8 bytes (the length of the alerts, big-endian), the alerts (V8 serialisation, each file's
// bytes replaced by where they are), then the files' bytes one after the other.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { PackageInvalid } from "../errors.js";

/** Where a file's bytes are among the files' bytes of the package. */
interface SpoolRef {
  spooled: [offset: number, length: number];
}

interface FileLike {
  data?: unknown;
}

const HEADER_BYTES = 8;

function attachmentsOf(alert: unknown): FileLike[] {
  const attachments = (alert as { attachments?: unknown } | null)?.attachments;
  return Array.isArray(attachments) ? (attachments as FileLike[]) : [];
}

function spoolFile(dir: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new PackageInvalid(`not a package number: ${String(seq)}`);
  return path.join(dir, `${seq}.bin`);
}

const FOLDER_PREFIX = "intake-spool-";

/** Folders of dead platforms are swept once per platform process, not at every run (push runs often). */
let swept = false;

/**
 * A folder of its own for one code process's spool files (0700), or undefined when none can be
 * made. Its name carries the platform's process id: folders left by a platform that was killed (with
 * the files of packages it never read) are removed by the next one, at its first run.
 */
export function makeSpoolFolder(): string | undefined {
  const root = os.tmpdir();
  if (!swept) {
    swept = true;
    sweepDeadFolders(root);
  }
  try {
    return fs.mkdtempSync(path.join(root, `${FOLDER_PREFIX}${process.pid}-`));
  } catch {
    return undefined;
  }
}

function sweepDeadFolders(root: string): void {
  try {
    for (const name of fs.readdirSync(root)) {
      if (!name.startsWith(FOLDER_PREFIX)) continue;
      const pid = Number(name.slice(FOLDER_PREFIX.length).split("-")[0]);
      if (Number.isSafeInteger(pid) && pid > 0 && !isAlive(pid)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
    }
  } catch {
    // A folder that cannot be swept is only space: the run goes on.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** In the code process: writes the package to its spool file (the alerts are not changed). */
export function spoolPackage(dir: string, seq: number, alerts: unknown[]): void {
  const files: Uint8Array[] = [];
  let offset = 0;
  const refs = alerts.map((alert) => {
    const attachments = attachmentsOf(alert);
    if (!attachments.some((file) => file.data instanceof Uint8Array)) return alert;
    return {
      ...(alert as object),
      attachments: attachments.map((file) => {
        if (!(file.data instanceof Uint8Array)) return file;
        files.push(file.data);
        const ref: SpoolRef = { spooled: [offset, file.data.byteLength] };
        offset += file.data.byteLength;
        return { ...file, data: ref };
      }),
    };
  });
  const body = v8.serialize(refs);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeBigUInt64BE(BigInt(body.byteLength));
  const fd = fs.openSync(spoolFile(dir, seq), "wx", 0o600);
  try {
    fs.writevSync(fd, [header, body, ...files]);
  } finally {
    fs.closeSync(fd);
  }
}

/** In the platform: the package's alerts, their files views of the spool file read once; the file is removed. */
export function unspoolPackage(dir: string, seq: number): unknown[] {
  const file = spoolFile(dir, seq);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new PackageInvalid(`the package's file is missing (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  } finally {
    fs.rmSync(file, { force: true });
  }
  const length = bytes.byteLength >= HEADER_BYTES ? Number(bytes.readBigUInt64BE(0)) : -1;
  if (length < 0 || HEADER_BYTES + length > bytes.byteLength) throw new PackageInvalid("the package's file is cut short");
  let alerts: unknown;
  try {
    alerts = v8.deserialize(bytes.subarray(HEADER_BYTES, HEADER_BYTES + length));
  } catch (error) {
    throw new PackageInvalid(`the package's file does not decode (${(error as Error).message})`);
  }
  if (!Array.isArray(alerts)) throw new PackageInvalid("the package's file holds no list of alerts");
  const filesStart = HEADER_BYTES + length;
  for (const alert of alerts) {
    for (const attachment of attachmentsOf(alert)) {
      const ref = attachment.data as SpoolRef | null | undefined;
      if (!Array.isArray(ref?.spooled)) continue;
      const [offset, size] = ref.spooled;
      if (
        !Number.isSafeInteger(offset) ||
        !Number.isSafeInteger(size) ||
        offset < 0 ||
        size < 0 ||
        filesStart + offset + size > bytes.byteLength
      ) {
        throw new PackageInvalid("a file of the package points outside the bytes sent with it");
      }
      attachment.data = bytes.subarray(filesStart + offset, filesStart + offset + size);
    }
  }
  return alerts;
}
