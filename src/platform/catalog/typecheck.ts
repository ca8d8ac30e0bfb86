// Type-checks an integration's TypeScript with the TypeScript compiler against the platform's SDK types.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type ts from "typescript";
import { ConnectorTypes } from "../errors.js";
import type { IntegrationDefinition } from "./package.js";

/** The SDK's declarations, built beside its code (package.json exports["./sdk"].types). */
const BUILT_SDK_TYPES = fileURLToPath(new URL("../../sdk/index.d.ts", import.meta.url));
/** Run from source (tests), the SDK's own .ts serves as its types. */
export const SDK_TYPES = fs.existsSync(BUILT_SDK_TYPES) ? BUILT_SDK_TYPES : fileURLToPath(new URL("../../sdk/index.ts", import.meta.url));

/** The folder holding @types/node, for Node's globals and node: modules (none when it is not installed). */
function nodeTypesRoot(): string | undefined {
  try {
    return path.dirname(path.dirname(createRequire(import.meta.url).resolve("@types/node/package.json")));
  } catch {
    return undefined;
  }
}

/** Diagnostics the checker leaves out: an import of a package without types is simply `any`. */
const IGNORED_CODES = new Set([
  7016, // Could not find a declaration file for module 'x'.
]);

function listSources(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Checks every .ts of the package. Returns the problems as `file:line:column: TSnnnn: message`
 * (at most `limit`), an empty list when the code type-checks.
 */
export async function typeCheckIntegration(integration: Pick<IntegrationDefinition, "dir">, limit = 20): Promise<string[]> {
  // Loaded only here: the compiler is large and most commands never need it.
  const ts = (await import("typescript")).default;
  const typesRoot = nodeTypesRoot();
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts"],
    types: typesRoot ? ["node"] : [],
    ...(typesRoot ? { typeRoots: [typesRoot] } : {}),
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    // The integration's code sees the SDK by its public name, wherever the package folder is.
    paths: { "intake/sdk": [SDK_TYPES] },
  };
  const program = ts.createProgram({ rootNames: listSources(integration.dir), options });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => !IGNORED_CODES.has(d.code));
  return diagnostics
    .slice(0, limit)
    .map((diagnostic) => {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
      if (!diagnostic.file || diagnostic.start === undefined) return `TS${diagnostic.code}: ${text}`;
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return `${diagnostic.file.fileName}:${line + 1}:${character + 1}: TS${diagnostic.code}: ${text}`;
    })
    .concat(diagnostics.length > limit ? [`… and ${diagnostics.length - limit} more`] : []);
}

/** Throws a ConnectorTypes error listing the problems, one per line. */
export async function assertTypesCheck(integration: Pick<IntegrationDefinition, "dir">): Promise<void> {
  const problems = await typeCheckIntegration(integration);
  if (problems.length) throw new ConnectorTypes(problems.join("\n"));
}
