// Importing and exporting integration packages: validate, install dependencies into the package's own
// folder, compile and type-check in a staging folder, then swap it in place (the previous version keeps
// working when any step fails).
import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { IntakeError } from "../../sdk/errors.js";
import type { Store } from "../store/index.js";
import { compileConnector } from "./compile.js";
import { BUILTIN_INTEGRATIONS_DIR, builtinIntegrations, findIntegration } from "./integrations.js";
import { loadIntegrationPackage, type IntegrationDefinition } from "./package.js";
import { typeCheckIntegration, TypeCheckError } from "./typecheck.js";

/** Files the platform makes in a package folder: never copied in from a source, never exported. */
const MANAGED = new Set(["node_modules", ".build", ".git", "package.json", "package-lock.json"]);
const NPM_TIMEOUT_MS = 10 * 60_000;

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
}

/** Where imported packages live: `<dataDir>/integrations/<slug>/` (never the project's own integrations/). */
export function importedIntegrationsRoot(store: Store): string {
  const root = path.join(store.dataDir, "integrations");
  return path.resolve(root) === path.resolve(BUILTIN_INTEGRATIONS_DIR) ? path.join(store.dataDir, "imported-integrations") : root;
}

/** The folder name of an integration: its name in lower case, words joined by dashes. */
export function slugOf(name: string): string {
  const slug = name.normalize("NFKD").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
  return slug || "integration";
}

function copyPackage(from: string, to: string): void {
  fs.cpSync(from, to, {
    recursive: true,
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
  const lines = output.split("\n").map((l) => l.trim()).filter((l) => /^npm (error|ERR!)/.test(l)).map((l) => l.replace(/^npm (error|ERR!)\s*/, ""));
  const culprit = Object.entries(integration.dependencies).find(([name]) => new RegExp(`(^|[\\s'"/@])${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}(@|['"\\s]|$)`, "m").test(output));
  const what = culprit ? `dependency "${culprit[0]}@${culprit[1]}"` : `its dependencies (${Object.entries(integration.dependencies).map(([n, v]) => `${n}@${v}`).join(", ")})`;
  const detail = lines.filter((l) => l && !/A complete log of this run/.test(l)).slice(0, 3).join(" / ") || output.trim().split("\n").slice(-3).join(" / ");
  return new IntakeError("DEPENDENCY_INSTALL", `integration "${integration.name}": npm could not install ${what}: ${detail.slice(0, 600)}`);
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
async function installDependencies(staging: IntegrationDefinition, previousDir: string | undefined, progress: (message: string) => void): Promise<void> {
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
  fs.writeFileSync(path.join(staging.dir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  progress(`installing ${Object.entries(dependencies).map(([n, v]) => `${n}@${v}`).join(", ")}`);
  const result = await runNpm(["install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], staging.dir);
  if (!result.ok) throw installFailure(staging, result.output);
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
  if (builtin) throw new IntakeError("INTEGRATION_CONFLICT", `integration "${source.name}" would take the short name "${slug}" of the built-in "${builtin.name}": rename it`);
  const existing = await store.db.selectFrom("integrations").selectAll().execute();
  const clash = existing.find((row) => row.slug === slug && row.name !== source.name);
  if (clash) throw new IntakeError("INTEGRATION_CONFLICT", `integration "${source.name}" would take the short name "${slug}" of the imported "${clash.name}": rename it`);
  const previous = existing.find((row) => row.name === source.name);

  const root = importedIntegrationsRoot(store);
  fs.mkdirSync(root, { recursive: true });
  const target = path.join(root, slug);
  const staging = path.join(root, `.staging-${slug}-${crypto.randomBytes(4).toString("hex")}`);
  const shown = (text: string) => text.split(staging).join(source.dir);
  try {
    copyPackage(source.dir, staging);
    const staged = loadIntegrationPackage(staging);
    await installDependencies(staged, fs.existsSync(target) ? target : undefined, progress);
    for (const connector of staged.connectors) {
      progress(`compiling ${path.relative(staging, connector.sourceFile)}`);
      await compileConnector(staged, connector);
    }
    if (options.typeCheck ?? true) {
      progress("type-checking");
      const problems = typeCheckIntegration(staged);
      if (problems.length) throw new TypeCheckError(problems.join("\n"));
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
  if (previous) {
    await store.db.updateTable("integrations").set({ slug, dir: target, builtin: 0, updated_at: now }).where("name", "=", source.name).execute();
  } else {
    await store.db.insertInto("integrations").values({ name: source.name, slug, dir: target, builtin: 0, updated_at: now }).execute();
  }
  return {
    integration: loadIntegrationPackage(target),
    created: !previous,
    dependencies: Object.entries(source.dependencies).map(([n, v]) => `${n}@${v}`),
  };
}

/** Writes an integration's package folder (built-in or imported) to `outDir`, without what the platform made. */
export async function exportIntegration(store: Store, name: string, outDir: string): Promise<IntegrationDefinition> {
  const integration = await findIntegration(store, name);
  const target = path.resolve(outDir);
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    throw new IntakeError("EXPORT_TARGET", `${target} exists and is not empty: export into a new or empty folder`);
  }
  copyPackage(integration.dir, target);
  return integration;
}
