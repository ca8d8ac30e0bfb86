// One temporary folder for the whole test run: the workspaces, Dovecot servers, PostgreSQL clusters,
// proxies and browser profiles the tests make go under it (through TMPDIR, which os.tmpdir() and the
// processes the tests start read), and it is removed when the run ends. A run used to leave about
// 60 folders, 145 MB, in /tmp. INTAKE_KEEP_TEST_FILES=1 keeps it, to look into a failure.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export default function setup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "intake-tests-"));
  // As root, Dovecot serves mail as vmail and PostgreSQL runs as postgres: both must reach their folders.
  fs.chmodSync(root, 0o755);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.INTAKE_KEEP_TEST_FILES === "1") console.log(`test files kept in ${root}`);
    else fs.rmSync(root, { recursive: true, force: true });
  };
}
