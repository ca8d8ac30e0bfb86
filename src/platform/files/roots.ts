// The folders the platform reads files from on an admin's word (feed sources; `file` parameters):
// INTAKE_FILE_ROOTS, colon-separated, or else the data folder's files/ and the system's temporary folder. Whatever the
// roots, the data folder's key and database are never read that way.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const FILE_ROOTS_VARIABLE = "INTAKE_FILE_ROOTS";

/**
 * The roots, absolute: $INTAKE_FILE_ROOTS (colon-separated; empty entries ignored), or else `<dataDir>/files` and the
 * system's temporary folder (where an operator drops a downloaded feed file; never /etc, a home or the data folder).
 */
export function fileRoots(dataDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const given = (env[FILE_ROOTS_VARIABLE] ?? "")
    .split(":")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return (given.length ? given : [path.join(dataDir, "files"), os.tmpdir()]).map((root) => path.resolve(root));
}

/** The data folder's own files: its key and its database (SQLite's, with its journal files). */
const PRIVATE_NAME = /(\.key|\.db|\.db-wal|\.db-shm|\.db-journal)$/;

/**
 * Whether `file` (once links are followed) is the data folder itself or one of its own files — its key, its database —
 * which no feed source or `file` parameter may name, whatever the roots.
 */
export function isDataFolderPrivate(file: string, dataDir: string): boolean {
  const real = (target: string) => {
    try {
      return fs.realpathSync(target);
    } catch {
      return path.resolve(target);
    }
  };
  const data = real(dataDir);
  const target = real(file);
  if (target === data) return true;
  return path.dirname(target) === data && PRIVATE_NAME.test(path.basename(target));
}

/** Whether `file` is `root` or lies inside it, by their names (both absolute and normalised). */
export function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === "" || (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** The root that holds `file` by name (before any link is followed), or undefined. */
export function rootHolding(file: string, roots: string[]): string | undefined {
  const absolute = path.resolve(file);
  return roots.find((root) => isInside(root, absolute));
}

/**
 * Whether `file` still lies under a root once every link on its way is followed (a link inside a root
 * may point anywhere). False when it does not exist.
 */
export function realPathUnderRoots(file: string, roots: string[]): boolean {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return false;
  }
  return roots.some((root) => {
    try {
      return isInside(fs.realpathSync(root), real);
    } catch {
      return false;
    }
  });
}
