// A script run in a Node process of its own, bounded in memory, time and output: for reading input that
// may exhaust memory or never end (a hostile file), which must fail alone and not take the run down.
// A connector's process may start no process itself (its sandbox): there the runner starts the script,
// under the same sandbox; outside the platform (a library's own tests) it is started here.
import { spawn, type ChildProcess } from "node:child_process";
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

/** Most output a script may give, whatever it asks: the output is held whole as one string. */
export const MAX_SCRIPT_OUTPUT_BYTES = 64 * 1024 * 1024;
const STDERR_TAIL_BYTES = 64 * 1024;

/**
 * Starts a script's Node process with these arguments (after Node's path) and this heap cap; the runner's
 * puts it in the connector's sandbox and may say it stopped the process past a limit of its own.
 */
export type ScriptStarter = (
  args: string[],
  memoryMb: number,
) => ChildProcess & { limitBreached?: (now?: boolean) => { limit: string } | undefined };

const startPlain: ScriptStarter = (args) => spawn(process.execPath, args, { env: {}, stdio: ["pipe", "pipe", "pipe"] });

/** Starts the script's process (the runner's starter: its sandbox) and gathers its output within the bounds. */
export function startBoundedScript(script: BoundedScript, start: ScriptStarter = startPlain, signal?: AbortSignal): Promise<string> {
  const invalid = problem(script);
  if (invalid) return Promise.reject(new ScriptInvalid(invalid));
  // The platform's bound, whatever the script asks: more would not fit in a string (and crashed the server).
  const maxOutputBytes = Math.min(script.maxOutputBytes, MAX_SCRIPT_OUTPUT_BYTES);
  return new Promise((resolve, reject) => {
    let child: ReturnType<ScriptStarter>;
    try {
      child = start([`--max-old-space-size=${script.memoryMb}`, "-e", script.source, "--", ...script.args], script.memoryMb);
    } catch (error) {
      return reject(error as Error);
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = "";
    let stoppedFor: "output" | "timeout" | "aborted" | undefined;
    const stop = (why: NonNullable<typeof stoppedFor>) => {
      stoppedFor ??= why;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => stop("timeout"), script.timeoutMs);
    const abort = () => stop("aborted");
    if (signal?.aborted) abort();
    else signal?.addEventListener("abort", abort, { once: true });
    child.stdout?.on("data", (chunk: Buffer) => {
      if (stoppedFor) return;
      bytes += chunk.length;
      if (bytes > maxOutputBytes) return stop("output");
      chunks.push(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new ScriptFailed(error.message));
    });
    child.on("close", (code, exitSignal) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
      // Memory first: V8's report of it on stderr may pass the output bound too.
      if (/heap out of memory|Allocation failed/i.test(stderr) || child.limitBreached?.()?.limit === "memory") {
        reject(new ScriptOutOfMemory(script.memoryMb));
      } else if (stoppedFor === "output") {
        reject(new ScriptOutputTooLarge(maxOutputBytes));
      } else if (stoppedFor) {
        reject(new ScriptTimeout(script.timeoutMs));
      } else if (code === 0) {
        resolve(Buffer.concat(chunks).toString("utf8"));
      } else {
        reject(new ScriptFailed(failure(stderr) ?? (exitSignal ? `signal ${exitSignal}` : `exit code ${String(code)}`)));
      }
    });
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
  if (!positive(script.memoryMb) || !positive(script.timeoutMs) || !positive(script.maxOutputBytes))
    return "memoryMb, timeoutMs and maxOutputBytes as positive whole numbers";
  return undefined;
}

/** Node's report of an uncaught error on stderr, in one line: its first error line and what it names. */
function failure(stderr: string): string | undefined {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const first = lines.find((line) => /^[A-Za-z]*Error\b/.test(line)) ?? lines.at(-1);
  if (!first) return undefined;
  const named = [...stderr.matchAll(/^\s*(code|resource): '([^'\n]+)'/gm)].map(([, key, value]) => `${key} ${value}`);
  return [first, ...named].join(", ").slice(0, 500);
}
