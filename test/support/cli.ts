// Runs the built `intake` command as an operator would, in a fresh data folder per test.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = path.join(PROJECT_ROOT, "bin", "intake.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Workspace {
  dir: string;
  db: string;
  env: Record<string, string>;
  /** Runs `intake ARGS…` to completion. */
  intake(args: string[], options?: { env?: Record<string, string>; input?: string }): Promise<CliResult>;
  /** Starts `intake ARGS…` and returns the process (to kill it mid-run). */
  spawnIntake(args: string[]): ChildProcess;
  writeJson(name: string, value: unknown): string;
  /** The last line of stdout, parsed (the `--json` summary). */
  lastJson(result: CliResult): Record<string, unknown>;
}

export function makeWorkspace(extraEnv: Record<string, string> = {}): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-test-"));
  const db = path.join(dir, "intake.db");
  // Feed sources (and file parameters) are read only under INTAKE_FILE_ROOTS: the tests' own folder and
  // the fixtures. A test of the roots themselves passes its own (an empty one means the default, <data folder>/files).
  const env: Record<string, string> = {
    INTAKE_DB: db,
    INTAKE_FILE_ROOTS: [dir, path.join(PROJECT_ROOT, "test", "fixtures")].join(":"),
    ...extraEnv,
  };
  const spawnIntake = (args: string[], more: Record<string, string> = {}) =>
    spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, ...env, ...more }, stdio: ["pipe", "pipe", "pipe"] });
  return {
    dir,
    db,
    env,
    spawnIntake: (args) => spawnIntake(args),
    intake(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawnIntake(args, options.env);
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
        child.stdin!.end(options.input ?? "");
      });
    },
    writeJson(name, value) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, JSON.stringify(value));
      return file;
    },
    lastJson(result) {
      const lines = result.stdout.trim().split("\n");
      return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
    },
  };
}

/** Rows of a read-only query on a workspace's SQLite database (what a run stored, read as an operator would). */
export function queryDatabase<T>(file: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** `intake ARGS…`, which must succeed: its result, or an error naming the command, its exit and its stderr. */
export async function intakeOk(ws: Workspace, args: string[]): Promise<CliResult> {
  const result = await ws.intake(args);
  if (result.code !== 0)
    throw new Error(
      `intake ${args.join(" ")}: exit ${String(result.code)}: ${(result.stderr.trim() || result.stdout.trim()).slice(-2000)}`,
    );
  return result;
}
