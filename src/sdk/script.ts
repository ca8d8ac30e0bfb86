// A script run in a Node process of its own, bounded in memory, time and output: for reading input that
// may exhaust memory or never end (a hostile file), which must fail alone and not take the run down.
// A connector's process may start no process itself (its sandbox): there the runner starts the script,
// under the same sandbox; outside the platform (a library's own tests) it is started here.
import { execFile } from "node:child_process";
import { ScriptFailed, ScriptInvalid, ScriptOutOfMemory, ScriptOutputTooLarge, ScriptTimeout } from "./errors.js";

export interface BoundedScript {
  /** CommonJS source, run as `node -e`; its arguments are process.argv[1…]. */
  source: string;
  args: string[];
  /** Given on its standard input. */
  input: Uint8Array;
  memoryMb: number;
  timeoutMs: number;
  maxOutputBytes: number;
}

type ScriptRunner = (script: BoundedScript) => Promise<string>;

let relay: ScriptRunner | undefined;

/** In a connector's process: scripts are started by the runner (set by the runner, not by connectors). */
export function relayBoundedScripts(runner: ScriptRunner): void {
  relay = runner;
}

/**
 * Runs the script and gives its standard output. Fails with SCRIPT_TIMEOUT, SCRIPT_OUT_OF_MEMORY,
 * SCRIPT_OUTPUT_TOO_LARGE or SCRIPT_FAILED (it threw or exited non-zero).
 */
export function runBoundedScript(script: BoundedScript): Promise<string> {
  return relay ? relay(script) : startBoundedScript(script);
}

/** Starts the script's process, with these Node flags besides its memory cap (the runner's: its sandbox). */
export function startBoundedScript(script: BoundedScript, nodeFlags: string[] = [], signal?: AbortSignal): Promise<string> {
  const invalid = problem(script);
  if (invalid) return Promise.reject(new ScriptInvalid(invalid));
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [...nodeFlags, `--max-old-space-size=${script.memoryMb}`, "-e", script.source, "--", ...script.args],
      { timeout: script.timeoutMs, maxBuffer: script.maxOutputBytes, encoding: "utf8", env: {}, ...(signal ? { signal } : {}) },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        // Memory first: V8's report of it on stderr may pass the output bound too.
        if (/heap out of memory|Allocation failed/i.test(stderr)) {
          reject(new ScriptOutOfMemory(script.memoryMb));
        } else if ((error as { code?: unknown }).code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
          reject(new ScriptOutputTooLarge(script.maxOutputBytes));
        } else if (error.killed) {
          reject(new ScriptTimeout(script.timeoutMs));
        } else {
          reject(new ScriptFailed(failure(stderr) ?? `exit code ${String(error.code)}`));
        }
      },
    );
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(script.input);
  });
}

/** What is wrong with a script asked for (it may come from a connector's process), or undefined. */
function problem(script: BoundedScript): string | undefined {
  const positive = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0;
  if (typeof script?.source !== "string") return "its source as a string";
  if (!Array.isArray(script.args) || !script.args.every((arg) => typeof arg === "string")) return "its args as a list of strings";
  if (!(script.input instanceof Uint8Array)) return "its input as bytes";
  if (!positive(script.memoryMb) || !positive(script.timeoutMs) || !positive(script.maxOutputBytes)) return "memoryMb, timeoutMs and maxOutputBytes as positive whole numbers";
  return undefined;
}

/** Node's report of an uncaught error on stderr, in one line: its first error line and what it names. */
function failure(stderr: string): string | undefined {
  const lines = stderr.split("\n").map((line) => line.trim()).filter(Boolean);
  const first = lines.find((line) => /^[A-Za-z]*Error\b/.test(line)) ?? lines.at(-1);
  if (!first) return undefined;
  const named = [...stderr.matchAll(/^\s*(code|resource): '([^'\n]+)'/gm)].map(([, key, value]) => `${key} ${value}`);
  return [first, ...named].join(", ").slice(0, 500);
}
