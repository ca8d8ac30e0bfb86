// Importing and exporting integration packages: validate, install dependencies into the package's own
// folder, compile and type-check in a staging folder, then swap it in place (the previous version keeps
// working when any step fails).
import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {
  ConnectorTypes,
  DependencyInstall,
  DependencyRefused,
  ExportTarget,
  IntakeError,
  IntegrationConflict,
  PackageInvalid,
  PackageLink,
  VersionNotFound,
} from "../errors.js";
import type { Store } from "../store/index.js";
import { compileCode } from "./compile.js";
import { BUILTIN_INTEGRATIONS_DIR, builtinIntegrations, findIntegration } from "./integrations.js";
import { loadIntegrationPackage, type CodeDefinition, type CodeKind, type IntegrationDefinition } from "./package.js";
import { typeCheckIntegration } from "./typecheck.js";

/** Files the platform makes in a package folder: never copied in from a source, never exported. */
const MANAGED = new Set(["node_modules", ".build", ".git", "package.json", "package-lock.json"]);
const NPM_TIMEOUT_MS = 10 * 60_000;
/** Bounds of a package's own files (what is versioned): connectors are code, not data. */
const MAX_PACKAGE_BYTES = 5 * 1024 * 1024;
const MAX_PACKAGE_FILES = 1000;
const TEXT_FILE = /\.(ts|mts|cts|js|mjs|json|md|txt|svg|csv|ya?ml)$/i;

export interface IntegrationVersion {
  version: number;
  digest: string;
  createdAt: number;
  /** Relative path → text, or "base64:…" for a binary file. */
  files: Record<string, string>;
}

/** The package's own files (what import copied), bounded, for the version history. */
function snapshotFiles(dir: string): { files: Record<string, string>; digest: string } {
  const files: Record<string, string> = {};
  let bytes = 0;
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(folder, entry.name);
      const relative = path.relative(dir, full).split(path.sep).join("/");
      if (MANAGED.has(entry.name) && (folder === dir || entry.name === "node_modules" || entry.name === ".build")) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const data = fs.readFileSync(full);
        bytes += data.length;
        if (bytes > MAX_PACKAGE_BYTES || Object.keys(files).length >= MAX_PACKAGE_FILES) {
          throw new PackageInvalid(
            `${dir}: the package's own files pass ${MAX_PACKAGE_FILES} files ` +
              `or ${MAX_PACKAGE_BYTES / 1024 / 1024} MB (node_modules left out)`,
          );
        }
        const text = TEXT_FILE.test(entry.name) ? data.toString("utf8") : undefined;
        files[relative] = text !== undefined && !text.startsWith("base64:") ? text : `base64:${data.toString("base64")}`;
      }
    }
  };
  walk(dir);
  const digest = crypto.createHash("sha256").update(JSON.stringify(files)).digest("hex");
  return { files, digest };
}

/** The package's code of every kind, to compile. */
export function codeOf(integration: IntegrationDefinition): [CodeKind, CodeDefinition[]][] {
  return [
    ["connector", integration.connectors],
    ["action", integration.actions],
    ["job", integration.jobs],
  ];
}

/** Every recorded version of an imported integration, newest first. */
export async function listIntegrationVersions(store: Store, name: string): Promise<IntegrationVersion[]> {
  const integration = await findIntegration(store, name);
  const rows = await store.db
    .selectFrom("integration_versions")
    .selectAll()
    .where("integration", "=", integration.name)
    .orderBy("version", "desc")
    .execute();
  return rows.map((row) => ({
    version: row.version,
    digest: row.digest,
    createdAt: row.created_at,
    files: JSON.parse(row.files) as Record<string, string>,
  }));
}

export interface ImportOptions {
  /** Type-check with the TypeScript compiler (default true). */
  typeCheck?: boolean;
  onProgress?: (message: string) => void;
}

export interface ImportResult {
  integration: IntegrationDefinition;
  created: boolean;
  /** "name@range" of each dependency, as installed. */
  dependencies: string[];
  /** The version number of the package's files (a new one when they changed). */
  version: number;
}

/** Where imported packages live: `<dataDir>/integrations/<slug>/` (never the project's own integrations/). */
export function importedIntegrationsRoot(store: Store): string {
  const root = path.join(store.dataDir, "integrations");
  return path.resolve(root) === path.resolve(BUILTIN_INTEGRATIONS_DIR) ? path.join(store.dataDir, "imported-integrations") : root;
}

/** The folder name of an integration: its name in lower case, words joined by dashes. */
export function slugOf(name: string): string {
  const slug = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return slug || "integration";
}

function copyPackage(from: string, to: string): void {
  fs.cpSync(from, to, {
    recursive: true,
    // Links as written: one that leads out of the package is then seen, and refused (refuseLinksOut).
    verbatimSymlinks: true,
    filter: (source) => {
      const relative = path.relative(from, source);
      if (!relative) return true;
      const top = relative.split(path.sep)[0]!;
      // Platform-made files are skipped at the top; node_modules and dot-folders anywhere.
      if (relative === top && MANAGED.has(top)) return false;
      return !relative.split(path.sep).some((part) => part === "node_modules" || part === ".build");
    },
  });
}

/** PACKAGE_LINK naming every symbolic link of the folder whose target is not inside it (or is gone). */
function refuseLinksOut(dir: string, integrationName: string): void {
  const root = fs.realpathSync(dir);
  const leaving: string[] = [];
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isSymbolicLink()) {
        let real: string | undefined;
        try {
          real = fs.realpathSync(full);
        } catch {
          real = undefined;
        }
        if (!real || (real !== root && !real.startsWith(root + path.sep)))
          leaving.push(`${path.relative(dir, full)} -> ${fs.readlinkSync(full)}`);
      } else if (entry.isDirectory()) {
        walk(full);
      }
    }
  };
  walk(dir);
  if (leaving.length) throw new PackageLink(integrationName, leaving.join(", "));
}

/** A dependency given otherwise than by a registry name and version: a folder, a link, git or a URL. */
const NOT_FROM_REGISTRY = /^(file:|link:|git(\+[a-z]+)?:|git@|github:|gitlab:|bitbucket:|gist:|https?:|[./~])|^(?!npm:)[^@\s]*\//i;

/** DEPENDENCY_REFUSED naming each dependency that npm would not take from the registry. */
function refuseDependencySpecs(integration: IntegrationDefinition): void {
  const refused = Object.entries(integration.dependencies).filter(([, spec]) => NOT_FROM_REGISTRY.test(spec.trim()));
  if (refused.length) {
    const named = refused.map(([name, spec]) => `"${name}": "${spec}"`).join(", ");
    throw new DependencyRefused(integration.name, `dependencies come from the npm registry only (name and version): ${named} refused`);
  }
}

/**
 * DEPENDENCY_REFUSED naming each installed package that needs an install script (npm ran with
 * --ignore-scripts: such a package would not work, and its script would run with the server's rights).
 */
function refuseInstallScripts(dir: string, integrationName: string): void {
  const needing: string[] = [];
  const visit = (modules: string) => {
    if (!fs.existsSync(modules)) return;
    for (const entry of fs.readdirSync(modules, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || !entry.isDirectory()) continue;
      const folder = path.join(modules, entry.name);
      if (entry.name.startsWith("@")) {
        visit(folder);
        continue;
      }
      try {
        const manifest = JSON.parse(fs.readFileSync(path.join(folder, "package.json"), "utf8")) as {
          name?: string;
          scripts?: Record<string, unknown>;
        };
        const scripts = ["preinstall", "install", "postinstall"].filter((name) => typeof manifest.scripts?.[name] === "string");
        if (fs.existsSync(path.join(folder, "binding.gyp"))) scripts.push("binding.gyp");
        if (scripts.length) needing.push(`${manifest.name ?? entry.name} (${scripts.join(", ")})`);
      } catch {
        // not a package
      }
      visit(path.join(folder, "node_modules"));
    }
  };
  visit(path.join(dir, "node_modules"));
  if (needing.length)
    throw new DependencyRefused(
      integrationName,
      `dependencies that need an install script are refused (npm runs with --ignore-scripts): ${needing.join(", ")}`,
    );
}

function runNpm(args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("INTAKE_")));
    execFile("npm", args, { cwd, env, timeout: NPM_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: !error, output: `${stderr}\n${stdout}${error && !stderr ? `\n${error.message}` : ""}` });
    });
  });
}

/** The first lines of npm's complaint, naming the dependency it could not get when it can tell. */
function installFailure(integration: IntegrationDefinition, output: string): IntakeError {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^npm (error|ERR!)/.test(l))
    .map((l) => l.replace(/^npm (error|ERR!)\s*/, ""));
  const culprit = Object.entries(integration.dependencies).find(([name]) =>
    new RegExp(`(^|[\\s'"/@])${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}(@|['"\\s]|$)`, "m").test(output),
  );
  const what = culprit
    ? `dependency "${culprit[0]}@${culprit[1]}"`
    : `its dependencies (${Object.entries(integration.dependencies)
        .map(([n, v]) => `${n}@${v}`)
        .join(", ")})`;
  const detail =
    lines
      .filter((l) => l && !/A complete log of this run/.test(l))
      .slice(0, 3)
      .join(" / ") || output.trim().split("\n").slice(-3).join(" / ");
  return new DependencyInstall(integration.name, what, detail.slice(0, 600));
}

function sameDependencies(dir: string, dependencies: Record<string, string>): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    return JSON.stringify(manifest.dependencies ?? {}) === JSON.stringify(dependencies) && fs.existsSync(path.join(dir, "node_modules"));
  } catch {
    return false;
  }
}

/** Installs the declared dependencies into the folder's own node_modules with the machine's npm registry. */
async function installDependencies(
  staging: IntegrationDefinition,
  previousDir: string | undefined,
  progress: (message: string) => void,
): Promise<void> {
  const dependencies = staging.dependencies;
  if (Object.keys(dependencies).length === 0) return;
  const manifest = { name: `intake-integration-${path.basename(staging.dir)}`.slice(0, 200), private: true, type: "module", dependencies };
  if (previousDir && sameDependencies(previousDir, dependencies)) {
    // Unchanged dependencies: the installed tree is reused as is.
    fs.cpSync(path.join(previousDir, "node_modules"), path.join(staging.dir, "node_modules"), { recursive: true, verbatimSymlinks: true });
    for (const file of ["package.json", "package-lock.json"]) {
      if (fs.existsSync(path.join(previousDir, file))) fs.copyFileSync(path.join(previousDir, file), path.join(staging.dir, file));
    }
    progress("dependencies unchanged: reused the installed ones");
    return;
  }
  fs.writeFileSync(path.join(staging.dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  progress(
    `installing ${Object.entries(dependencies)
      .map(([n, v]) => `${n}@${v}`)
      .join(", ")}`,
  );
  // No install script runs: a dependency's would run with the server's rights (and read its key).
  const result = await runNpm(["install", "--ignore-scripts", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], staging.dir);
  if (!result.ok) throw installFailure(staging, result.output);
  refuseInstallScripts(staging.dir, staging.name);
}

/**
 * Imports (or updates) an integration from a package folder. Throws, leaving any previous version in
 * place and working, when the package does not validate, a dependency cannot be installed, or its code
 * does not compile or type-check.
 */
export async function importIntegration(store: Store, sourceDir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const progress = options.onProgress ?? (() => undefined);
  const source = loadIntegrationPackage(sourceDir);
  const slug = slugOf(source.name);
  const builtin = builtinIntegrations().find((d) => d.slug === slug && d.name.toLowerCase() !== source.name.toLowerCase());
  if (builtin)
    throw new IntegrationConflict(
      `integration "${source.name}" would take the short name "${slug}" of the built-in "${builtin.name}": rename it`,
    );
  const existing = await store.db.selectFrom("integrations").selectAll().execute();
  const clash = existing.find((row) => row.slug === slug && row.name !== source.name);
  if (clash)
    throw new IntegrationConflict(
      `integration "${source.name}" would take the short name "${slug}" of the imported "${clash.name}": rename it`,
    );
  const previous = existing.find((row) => row.name === source.name);

  const root = importedIntegrationsRoot(store);
  fs.mkdirSync(root, { recursive: true });
  const target = path.join(root, slug);
  const staging = path.join(root, `.staging-${slug}-${crypto.randomBytes(4).toString("hex")}`);
  const shown = (text: string) => text.split(staging).join(source.dir);
  let snapshot: { files: Record<string, string>; digest: string };
  try {
    refuseDependencySpecs(source);
    copyPackage(source.dir, staging);
    refuseLinksOut(staging, source.name);
    snapshot = snapshotFiles(staging);
    const staged = loadIntegrationPackage(staging);
    await installDependencies(staged, fs.existsSync(target) ? target : undefined, progress);
    for (const [kind, definitions] of codeOf(staged)) {
      for (const definition of definitions) {
        progress(`compiling ${path.relative(staging, definition.sourceFile)}`);
        await compileCode(staged, definition, kind);
      }
    }
    if (options.typeCheck ?? true) {
      progress("type-checking");
      const problems = await typeCheckIntegration(staged);
      if (problems.length) throw new ConnectorTypes(problems.join("\n"));
    }
    // Swap: the old folder moves aside, the new one takes its place, then the old one goes.
    const aside = path.join(root, `.old-${slug}-${crypto.randomBytes(4).toString("hex")}`);
    if (fs.existsSync(target)) fs.renameSync(target, aside);
    fs.renameSync(staging, target);
    fs.rmSync(aside, { recursive: true, force: true });
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (error instanceof IntakeError) throw new IntakeError(error.code, shown(error.message));
    throw error;
  }

  const now = Date.now();
  const last = await store.db
    .selectFrom("integration_versions")
    .select(["version", "digest"])
    .where("integration", "=", source.name)
    .orderBy("version", "desc")
    .executeTakeFirst();
  let version = last?.version ?? 0;
  if (last?.digest !== snapshot.digest) {
    version += 1;
    await store.db
      .insertInto("integration_versions")
      .values({ integration: source.name, version, digest: snapshot.digest, files: JSON.stringify(snapshot.files), created_at: now })
      .execute();
  }
  if (previous) {
    await store.db
      .updateTable("integrations")
      .set({ slug, dir: target, builtin: 0, updated_at: now })
      .where("name", "=", source.name)
      .execute();
  } else {
    await store.db.insertInto("integrations").values({ name: source.name, slug, dir: target, builtin: 0, updated_at: now }).execute();
  }
  const installed = loadIntegrationPackage(target);
  return {
    integration: installed,
    created: !previous,
    dependencies: Object.entries(source.dependencies).map(([n, v]) => `${n}@${v}`),
    version,
  };
}

/** Writes an integration's package folder (built-in or imported) to `outDir`, without what the platform made. */
export async function exportIntegration(
  store: Store,
  name: string,
  outDir: string,
  options: { version?: number } = {},
): Promise<IntegrationDefinition> {
  const integration = await findIntegration(store, name);
  const target = path.resolve(outDir);
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    throw new ExportTarget(target);
  }
  if (options.version === undefined) {
    copyPackage(integration.dir, target);
    return integration;
  }
  const found = (await listIntegrationVersions(store, name)).find((v) => v.version === options.version);
  if (!found)
    throw new VersionNotFound(
      `integration "${integration.name}" has no version ${options.version} (see: intake integration versions ${integration.slug})`,
    );
  for (const [relative, content] of Object.entries(found.files)) {
    const file = path.resolve(target, relative);
    if (!file.startsWith(target + path.sep)) continue; // never outside the folder
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content.startsWith("base64:") ? Buffer.from(content.slice(7), "base64") : content);
  }
  return integration;
}
