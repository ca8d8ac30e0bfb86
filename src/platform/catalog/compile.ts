// Compiles the TypeScript of a connector, an action or a job with esbuild into one ES module inside its
// integration's folder.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire, isBuiltin } from "node:module";
import type * as Esbuild from "esbuild";
import { ConnectorCompile } from "../errors.js";
import type { CodeDefinition, CodeKind, ConnectorDefinition, IntegrationDefinition } from "./package.js";

/** The compiled SDK that every connector shares with the runner (one module instance per process). */
export const SDK_ENTRY = fileURLToPath(new URL("../../sdk/index.js", import.meta.url));

// esbuild is loaded only to build: a run whose connector is built already (nearly every run) starts
// without it. Its version, part of the digest, comes from its package.json.
const ESBUILD_VERSION = (createRequire(import.meta.url)("esbuild/package.json") as { version: string }).version;

/** The last digest per package folder, with the names, sizes and times of the files it was made of. */
const digests = new Map<string, { signature: string; digest: string }>();

function sourceDigest(dir: string, dependencies: Record<string, string>): string {
  // Every .ts of the package (helpers too) and the SDK's location decide whether to rebuild.
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) files.push(full);
    }
  };
  walk(dir);
  // Hashing every source at every run, action and job cost 10-90 ms on a busy machine: the contents are
  // hashed again only when a file's name, size or modification time changed (or a file came or went).
  const signature = JSON.stringify([
    dependencies,
    files.map((file) => {
      const stat = fs.statSync(file, { bigint: true });
      return [file, String(stat.size), String(stat.mtimeNs), String(stat.ino)];
    }),
  ]);
  const known = digests.get(dir);
  if (known?.signature === signature) return known.digest;
  const hash = crypto.createHash("sha256").update(SDK_ENTRY).update(ESBUILD_VERSION).update(JSON.stringify(dependencies));
  // Relative names: a package built in a staging folder stays valid once moved in place.
  for (const file of files) hash.update(path.relative(dir, file)).update(fs.readFileSync(file));
  const digest = hash.digest("hex");
  digests.set(dir, { signature, digest });
  return digest;
}

/** "pkg/sub" → "pkg", "@scope/pkg/sub" → "@scope/pkg". */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * Returns the path of the compiled module, building it when the sources changed. Local files are
 * bundled; packages stay imports, resolved from the integration's own folder; "intake/sdk" points
 * at the platform's SDK.
 */
export function compileConnector(integration: IntegrationDefinition, connector: ConnectorDefinition): Promise<string> {
  return compileCode(integration, connector, "connector");
}

/**
 * The same for any kind of code. Modules sit side by side in .build/ (a connector's as NAME.mjs, an
 * action's as action.NAME.mjs, a job's as job.NAME.mjs), so `new URL("../file", import.meta.url)` reads
 * the package's own files from any of them.
 */
export async function compileCode(integration: IntegrationDefinition, connector: CodeDefinition, kind: CodeKind): Promise<string> {
  const buildDir = path.join(integration.dir, ".build");
  const outFile = path.join(buildDir, `${kind === "connector" ? "" : `${kind}.`}${connector.fileBase}.mjs`);
  const digestFile = `${outFile}.sha256`;
  const digest = sourceDigest(integration.dir, integration.dependencies);
  if (fs.existsSync(outFile) && fs.existsSync(digestFile) && fs.readFileSync(digestFile, "utf8") === digest) return outFile;

  const tmpFile = `${outFile}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(buildDir, { recursive: true });
    const esbuild = (await import("esbuild")) as typeof Esbuild;
    await esbuild.build({
      entryPoints: [connector.sourceFile],
      outfile: tmpFile,
      bundle: true,
      packages: "external",
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "inline",
      logLevel: "silent",
      plugins: [
        {
          name: "intake-sdk",
          setup(build) {
            build.onResolve({ filter: /^intake\/sdk$/ }, () => ({ path: SDK_ENTRY, external: true }));
            // A package import must be declared: it is then resolved from the integration's own node_modules.
            build.onResolve({ filter: /^[^./]/ }, (args) => {
              const name = packageName(args.path);
              if (isBuiltin(args.path) || name in integration.dependencies) return { path: args.path, external: true };
              return {
                errors: [{ text: `package "${name}" is not a declared dependency (add it to "dependencies" in integration.json)` }],
              };
            });
          },
        },
      ],
    });
  } catch (error) {
    const failure = error as Esbuild.BuildFailure;
    if (Array.isArray(failure.errors) && failure.errors.length) {
      const lines = failure.errors.slice(0, 10).map((message) => {
        const where = message.location
          ? `${path.resolve(message.location.file)}:${message.location.line}:${message.location.column + 1}`
          : connector.sourceFile;
        return `${where}: ${message.text}`;
      });
      throw new ConnectorCompile(lines.join("\n"));
    }
    throw new ConnectorCompile(`${connector.sourceFile}: ${(error as Error).message}`);
  }
  // Rename: a run in another process never sees a half-written module.
  fs.renameSync(tmpFile, outFile);
  fs.writeFileSync(digestFile, digest);
  return outFile;
}
