// Whether a process of this machine still lives: a pid alone is not enough (zombies, reused pids).
import fs from "node:fs";

export interface ProcessStat {
  /** One letter: R running, S sleeping, Z zombie, X dead, … */
  state: string;
  /** Clock ticks from boot to the process's start: with the pid, names one process for good. */
  startTime: string;
}

/**
 * Reads the content of Linux's /proc/PID/stat. The command name (field 2) is in parentheses and may
 * itself hold spaces and parentheses ("(a) b)"), so the fields are counted after the last ")".
 */
export function parseProcessStat(stat: string): ProcessStat | undefined {
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  // Field 3 (state) comes first after the name; field 22 (starttime) is then the 20th.
  const fields = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const state = fields[0];
  const startTime = fields[19];
  if (!state || !startTime || !/^\d+$/.test(startTime)) return undefined;
  return { state, startTime };
}

function readProcessStat(pid: number): ProcessStat | undefined {
  try {
    return parseProcessStat(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

let ownStartTime: string | null | undefined;

/** This process's start time (Linux), or undefined where there is no /proc. */
export function processStartTime(): string | undefined {
  if (ownStartTime === undefined) ownStartTime = readProcessStat(process.pid)?.startTime ?? null;
  return ownStartTime ?? undefined;
}

/** The kernel's word: false only when no process has this pid (EPERM: it exists, another user's). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * True when the process `pid` (started at `startTime`, when known) is no longer running: it does not
 * exist, it is a zombie that nobody reaped (a container without an init that reaps), or its pid now
 * belongs to a process started at another time. Without /proc (not Linux), only the first can be told.
 */
export function processIsGone(pid: number, startTime?: string): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new RangeError(`not a process id: ${pid}`);
  const stat = readProcessStat(pid);
  // No /proc entry: not Linux, gone, or hidden from us (hidepid); the kernel tells which.
  if (!stat) return !pidExists(pid);
  if (stat.state === "Z" || stat.state === "X") return true;
  return startTime !== undefined && stat.startTime !== startTime;
}
