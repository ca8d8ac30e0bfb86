// The Node permission flags that confine a code process (a connector's, an action's or a job's) to
// what it needs: reads of its own code, its dependencies and the SDK, writes to its spool folder only,
// no child processes, no worker threads, no native addons.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fileRoots as platformFileRoots, isDataFolderPrivate } from "../files/roots.js";
import { FileParameterRefused } from "../errors.js";

export interface CodeProcessScope {
  /** The platform's modules the process starts from (its entry and what the entry imports). */
  entries: string[];
  /** Folders the code may read: its integration's folder and its dependencies' (see integrationReadRoots). */
  readRoots: string[];
  /** The one folder it may write (its packages' files); none: no writes at all. */
  spoolDir?: string;
}

/** The SDK's compiled folders: dist/src/sdk and dist/src/indicators, which it re-exports. */
const SDK_FOLDERS = ["../../sdk/", "../../indicators/"].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
/** The npm packages the SDK imports (a unit test checks this against its sources). */
export const SDK_PACKAGES = ["htmlparser2", "linkify-it", "tldts"];

let sdkRoots: string[] | undefined;

/** Node's flags for a code process: the permission model on, and the reads and writes it is allowed. */
export function sandboxFlags(scope: CodeProcessScope, nodeVersion = process.versions.node): string[] {
  const { reads, writes } = sandboxPaths(scope);
  return [
    permissionFlag(nodeVersion),
    // One flag per path: since Node 20.7 a comma no longer separates paths (and a path may hold one).
    ...reads.map((read) => `--allow-fs-read=${read}`),
    ...writes.map((write) => `--allow-fs-write=${write}`),
    // Node warns on stderr at every start that the model is experimental: noise in every run's log.
    ...(atLeast(nodeVersion, [20, 11]) ? ["--disable-warning=ExperimentalWarning"] : []),
  ];
}

/** What a code process may read and write, with the real paths of links: the permission model's and the namespace's mounts. */
export function sandboxPaths(scope: CodeProcessScope): { reads: string[]; writes: string[] } {
  sdkRoots ??= [...SDK_FOLDERS, ...packageRoots(SDK_FOLDERS[0]!, SDK_PACKAGES)];
  // Node reads the extra CA file itself (the process's TLS trusts it); allowed in case a version checks.
  const caFile = process.env.NODE_EXTRA_CA_CERTS;
  const reads = unique([...scope.entries, ...sdkRoots, ...scope.readRoots, ...(caFile ? [caFile] : [])].flatMap(withRealPath));
  const writes = scope.spoolDir ? withRealPath(scope.spoolDir) : [];
  return { reads, writes };
}

/** `--permission` where Node has it (22.13, 23.5 and later), `--experimental-permission` before. */
export function permissionFlag(nodeVersion = process.versions.node): string {
  const [major = 0] = parseVersion(nodeVersion);
  const since: Record<number, [number, number]> = { 22: [22, 13], 23: [23, 5] };
  const stable = major >= 24 || (major in since && atLeast(nodeVersion, since[major]!));
  return stable ? "--permission" : "--experimental-permission";
}

/** What a process of an integration's code may read: the integration's folder and its dependencies. */
export function integrationReadRoots(integration: { dir: string; dependencies: Record<string, string>; builtin?: boolean }): string[] {
  const roots = packageRoots(integration.dir, Object.keys(integration.dependencies));
  if (integration.builtin !== false) return [integration.dir, ...roots];
  // An imported package's dependencies are in its own node_modules: one resolved elsewhere (a link, a
  // file: dependency) is not opened to its code.
  // (The IDE's draft reaches the installed version's through a link of its node_modules.)
  const inside = [integration.dir, path.join(integration.dir, "node_modules")].flatMap(withRealPath).map((dir) => dir + path.sep);
  return [integration.dir, ...roots.filter((root) => inside.some((dir) => root.startsWith(dir)))];
}

/**
 * The folders of the named packages as Node resolves them from `fromDir` (the nearest node_modules up
 * the tree), and of every package they depend on in turn: what their code may import, and no more.
 * A package that is not installed is left out (its import then fails as not found).
 */
export function packageRoots(fromDir: string, names: string[]): string[] {
  const found = new Set<string>();
  const visit = (dir: string, name: string) => {
    const root = resolvePackage(dir, name);
    if (!root || found.has(root)) return;
    found.add(root);
    for (const dependency of dependenciesOf(root)) visit(root, dependency);
  };
  for (const name of names) visit(fromDir, name);
  return [...found];
}

function resolvePackage(fromDir: string, name: string): string | undefined {
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

function dependenciesOf(root: string): string[] {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as Record<
      string,
      Record<string, string> | undefined
    >;
    return [
      ...new Set(["dependencies", "optionalDependencies", "peerDependencies"].flatMap((field) => Object.keys(manifest[field] ?? {}))),
    ];
  } catch {
    return [];
  }
}

/** The path, and where it really is when a link leads elsewhere: Node loads modules by their real path. */
function withRealPath(file: string): string[] {
  const resolved = path.resolve(file);
  try {
    const real = fs.realpathSync(resolved);
    return real === resolved ? [resolved] : [resolved, real];
  } catch {
    return [resolved];
  }
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function parseVersion(version: string): number[] {
  return version
    .replace(/^v/, "")
    .split(".")
    .map((part) => Number.parseInt(part, 10) || 0);
}

function atLeast(version: string, wanted: [number, number]): boolean {
  const [major = 0, minor = 0] = parseVersion(version);
  return major > wanted[0] || (major === wanted[0] && minor >= wanted[1]);
}

/** The folders `file` parameters may name: the platform's file roots (files/roots.ts), links resolved. */
export function fileRoots(dataDir: string): string[] {
  return platformFileRoots(dataDir).flatMap(withRealPath);
}

/**
 * The real path of a `file` parameter's value when it lies under a file root (links resolved first, so
 * one cannot lead out); FILE_PARAMETER naming the parameter otherwise.
 */
export function allowedFile(name: string, value: string, dataDir: string): string {
  if (/\[[^\]]*\]/.test(value))
    throw new FileParameterRefused(name, "holds a placeholder ([…]): a file is named only by an admin's saved configuration");
  // A feed's source may be an https URL: the code fetches it, nothing local is read.
  if (/^https:\/\//i.test(value.trim())) return value.trim();
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(value));
  } catch {
    throw new FileParameterRefused(name, `names ${value}, which does not exist`);
  }
  const roots = fileRoots(dataDir);
  if (!roots.some((root) => real === root || real.startsWith(root + path.sep))) {
    throw new FileParameterRefused(name, `names ${value}, outside the file roots (${roots.join(", ")}; INTAKE_FILE_ROOTS)`);
  }
  if (isDataFolderPrivate(real, dataDir)) throw new FileParameterRefused(name, `names ${value}, Intake's own key or database`);
  return real;
}
