// The one place a code process (a connector's, an action's, a job's, a bounded script) is started: inside
// bubblewrap's namespaces where they work, the Node permission model inside, and limits watched from here.
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { SandboxUnavailable } from "../errors.js";
import { sandboxFlags, sandboxPaths, type CodeProcessScope } from "./sandbox.js";

export type SandboxMode = "namespaces" | "permission-model";

export interface CodeLaunch {
  /** What it may read and write: both walls (the mounts and the permission model) are made from it. */
  scope: CodeProcessScope;
  /** Node's flags besides the permission model's (memory). */
  nodeFlags: string[];
  /** What follows Node's flags: the entry module, or `-e SOURCE -- ARGS`. */
  args: string[];
  /** An IPC channel (fd 3, the `advanced` serialization) and no stdin; otherwise stdin is a pipe. */
  ipc: boolean;
  /** The heap cap given to Node; the resident cap watched here is this plus Node's own. */
  memoryMb: number;
}

/** A limit the platform stopped the process for. */
export type LimitBreach = { limit: "memory"; capMb: number } | { limit: "spool"; capMb: number };

export interface CodeProcess extends ChildProcess {
  /** The limit it was stopped for, if any; `now`: measure first (the code may leave before the next look). */
  limitBreached(now?: boolean): LimitBreach | undefined;
}

/** What Node itself holds besides the heap (code, buffers of its own): added to the code's cap. */
export const NODE_RESIDENT_MB = 64;
/** Most a spool folder may hold at once: a package is read and removed as it comes. */
export const MAX_SPOOL_MB = 512;
const WATCH_INTERVAL_MS = 250;
/** Variables a code process is given from the platform's environment: none of its secrets. */
const ALLOWED_ENV = /^(PATH|HOME|LANG|LANGUAGE|LC_[A-Z_]+|TZ|NODE_EXTRA_CA_CERTS|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)$/;
/** Bubblewrap's own namespaces: no signal, shared memory or host name reaches the platform; the network is shared. */
const NAMESPACE_FLAGS = [
  "--unshare-user",
  "--unshare-pid",
  "--unshare-ipc",
  "--unshare-uts",
  "--unshare-cgroup-try",
  "--die-with-parent",
  "--new-session",
];
/** Files of the system a Node process needs to resolve names and trust certificates (each mounted if present). */
const SYSTEM_FILES = [
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/nsswitch.conf",
  "/etc/host.conf",
  "/etc/gai.conf",
  "/etc/localtime",
  "/etc/ld.so.cache",
  "/etc/ssl",
  "/etc/ca-certificates",
  "/usr/share/ca-certificates",
  "/etc/pki",
];

let probed: { mode: SandboxMode; reason?: string; bwrap: string } | undefined;

/** The bubblewrap program: INTAKE_BWRAP names another (a test points it elsewhere), else `bwrap` on the PATH. */
function bwrapProgram(): string {
  return process.env.INTAKE_BWRAP || "bwrap";
}

/**
 * Whether code runs in namespaces here, probed once with a trivial `bwrap … /bin/true`. A fallback is
 * said once on stderr (with its reason); /api/health says only the mode.
 */
export function sandboxMode(): SandboxMode {
  return sandboxProbe().mode;
}

function sandboxProbe(): NonNullable<typeof probed> {
  if (probed) return probed;
  const bwrap = bwrapProgram();
  const result = spawnSync(bwrap, [...NAMESPACE_FLAGS, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "/bin/true"], {
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 10_000,
    env: codeEnvironment(),
  });
  if (result.status === 0) {
    probed = { mode: "namespaces", bwrap };
  } else {
    const reason = result.error
      ? `${bwrap}: ${(result.error as NodeJS.ErrnoException).code ?? result.error.message}`
      : String(result.stderr ?? "")
          .trim()
          .split("\n")[0] || `exit code ${String(result.status)}`;
    probed = { mode: "permission-model", reason, bwrap };
    const strict = process.env.INTAKE_SANDBOX === "strict";
    const consequence = strict
      ? "INTAKE_SANDBOX=strict, integration code will not run"
      : "integration code runs under the Node permission model alone";
    process.stderr.write(`intake: bubblewrap cannot run here (${reason.slice(0, 200)}): ${consequence}\n`);
  }
  return probed;
}

/** The environment of a code process: the allow-listed variables of the platform's, nothing else. */
export function codeEnvironment(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(from).filter(([key, value]) => value !== undefined && ALLOWED_ENV.test(key)));
}

/**
 * Starts a code process: `bwrap … node FLAGS ARGS` in namespaces, or `node FLAGS ARGS` under the
 * permission model alone where bubblewrap cannot run (refused with INTAKE_SANDBOX=strict: SANDBOX_UNAVAILABLE).
 * Its resident memory (the whole tree) and its spool are watched, and it is killed past their caps.
 */
export function launchCodeProcess(launch: CodeLaunch): CodeProcess {
  const probe = sandboxProbe();
  if (probe.mode !== "namespaces" && process.env.INTAKE_SANDBOX === "strict")
    throw new SandboxUnavailable(probe.reason ?? "unknown reason");
  const node = process.execPath;
  const nodeArgs = [...launch.nodeFlags, ...sandboxFlags(launch.scope), ...launch.args];
  const stdio: StdioOptions = launch.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["pipe", "pipe", "pipe"];
  const [command, args] =
    probe.mode === "namespaces" ? [probe.bwrap, [...namespaceArgs(launch.scope), node, ...nodeArgs]] : [node, nodeArgs];
  const child = spawn(command, args, {
    env: codeEnvironment(),
    stdio,
    ...(launch.ipc ? { serialization: "advanced" as const } : {}),
    // Its own process group: a Ctrl-C meant for the platform lets the platform end the run cleanly,
    // and a platform that dies closes the IPC channel, on which the child exits.
    detached: true,
  }) as CodeProcess;
  watchLimits(child, launch.memoryMb + NODE_RESIDENT_MB, launch.scope.spoolDir);
  return child;
}

/** Bubblewrap's arguments: its namespaces and a filesystem of Node, its libraries, the scope's paths and a few system files. */
export function namespaceArgs(scope: CodeProcessScope): string[] {
  const { reads, writes } = sandboxPaths(scope);
  const args = [...NAMESPACE_FLAGS, ...rootLinks(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"];
  const mount = (flag: string, source: string, target = source) => args.push(flag, source, target);
  for (const file of nodeFiles()) mount("--ro-bind", file.source, file.target);
  for (const file of SYSTEM_FILES) mount("--ro-bind-try", file);
  for (const read of reads) mount("--ro-bind-try", read);
  // Node learns whether a .js file is a module from the nearest package.json, which may lie above a mounted folder.
  for (const manifest of scopeManifests(reads)) mount("--ro-bind-try", manifest);
  for (const write of writes) mount("--bind", write);
  return args;
}

/** The top-level links of a merged /usr (/lib → usr/lib), kept so that paths the loader knows still lead there. */
function rootLinks(): string[] {
  const links: string[] = [];
  for (const name of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    try {
      if (fs.lstatSync(name).isSymbolicLink()) links.push("--symlink", fs.readlinkSync(name), name);
    } catch {
      // absent here
    }
  }
  return links;
}

let nodeFileList: { source: string; target: string }[] | undefined;

/** Node's binary and the shared libraries it loads (ldd's list, read once), at their real paths. */
function nodeFiles(): { source: string; target: string }[] {
  if (nodeFileList) return nodeFileList;
  const files = new Map<string, string>();
  const add = (file: string) => {
    try {
      const real = fs.realpathSync(file);
      files.set(real, real);
      // The name the loader asks for, in its real folder, when it is a link to a versioned file.
      const named = path.join(fs.realpathSync(path.dirname(file)), path.basename(file));
      if (named !== real) files.set(named, real);
    } catch {
      // gone: the loader says what it misses
    }
  };
  add(process.execPath);
  const ldd = spawnSync("ldd", [process.execPath], { encoding: "utf8", timeout: 10_000 });
  const libraries = ldd.status === 0 ? [...ldd.stdout.matchAll(/(\/\S+)\s+\(0x/g)].map((match) => match[1]!) : [];
  if (libraries.length === 0) {
    // No ldd: the system's library folders whole, read-only.
    for (const folder of ["/lib", "/lib64", "/usr/lib", "/usr/lib64"])
      if (fs.existsSync(folder) && !fs.lstatSync(folder).isSymbolicLink()) files.set(folder, folder);
  }
  for (const library of libraries) {
    add(library);
    // Name resolution may load NSS modules and libresolv at run time: those beside libc come too.
    if (/\/libc\.so/.test(library)) {
      const folder = path.dirname(library);
      for (const name of fs.readdirSync(folder)) if (/^(libnss_(files|dns)|libresolv)[.-].*\.so/.test(name)) add(path.join(folder, name));
    }
  }
  nodeFileList = [...files].map(([target, source]) => ({ source, target }));
  return nodeFileList;
}

const manifestCache = new Map<string, string | undefined>();

/** The package.json files that scope the mounted folders' modules from above them (none twice). */
function scopeManifests(reads: string[]): string[] {
  const found = new Set<string>();
  for (const read of reads) {
    let manifest = manifestCache.get(read);
    if (!manifestCache.has(read)) {
      manifest = undefined;
      let dir = fs.existsSync(read) && fs.statSync(read).isDirectory() ? read : path.dirname(read);
      if (!fs.existsSync(path.join(dir, "package.json"))) {
        for (dir = path.dirname(dir); ; dir = path.dirname(dir)) {
          if (fs.existsSync(path.join(dir, "package.json"))) {
            manifest = path.join(dir, "package.json");
            break;
          }
          if (path.dirname(dir) === dir) break;
        }
      }
      manifestCache.set(read, manifest);
    }
    if (manifest) found.add(manifest);
  }
  return [...found];
}

/**
 * Looks at the process tree's resident memory (VmRSS of /proc/PID/status, the process and every
 * descendant) and the spool folder's size every 250 ms, and kills the tree past either cap.
 */
function watchLimits(child: CodeProcess, residentCapMb: number, spoolDir: string | undefined): void {
  let breach: LimitBreach | undefined;
  const look = () => {
    if (breach || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    if (treeResidentKb(child.pid) > residentCapMb * 1024) breach = { limit: "memory", capMb: residentCapMb };
    else if (spoolDir && folderBytes(spoolDir) > MAX_SPOOL_MB * 1024 * 1024) breach = { limit: "spool", capMb: MAX_SPOOL_MB };
    if (breach) child.kill("SIGKILL");
  };
  const timer = setInterval(look, WATCH_INTERVAL_MS);
  timer.unref();
  child.once("exit", () => clearInterval(timer));
  child.once("error", () => clearInterval(timer));
  child.limitBreached = (now = false) => {
    if (now) look();
    return breach;
  };
}

/** The resident memory of a process and its descendants, in kB (0 once gone). */
export function treeResidentKb(pid: number): number {
  let total = 0;
  const queue = [pid];
  const seen = new Set<number>();
  while (queue.length) {
    const current = queue.shift()!;
    if (seen.has(current)) continue;
    seen.add(current);
    try {
      const status = fs.readFileSync(`/proc/${current}/status`, "utf8");
      total += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      for (const task of fs.readdirSync(`/proc/${current}/task`)) {
        const children = fs.readFileSync(`/proc/${current}/task/${task}/children`, "utf8").trim();
        if (children) queue.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

function folderBytes(dir: string): number {
  let bytes = 0;
  try {
    for (const name of fs.readdirSync(dir)) {
      try {
        bytes += fs.statSync(path.join(dir, name)).size;
      } catch {
        // read and removed meanwhile
      }
    }
  } catch {
    // gone
  }
  return bytes;
}
