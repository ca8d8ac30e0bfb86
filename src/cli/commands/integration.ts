// `intake integration import|export|check` and `intake connector allow-list`: packages written by users.
import path from "node:path";
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { ConnectorTypes } from "../../platform/errors.js";
import {
  codeOf,
  compileCode,
  configureIntegration,
  exportIntegration,
  listIntegrationVersions,
  loadIntegrationPackage,
  setAllowList,
  typeCheckIntegration,
} from "../../platform/catalog/index.js";
import { formatTime, table } from "../output.js";
import { readParamsFile } from "./connector.js";
import { installIntegrationPackage } from "../../platform/packages/index.js";

export function register(program: Command, withStore: WithStore): void {
  const integration = program.command("integration").description("integration packages: import, export, check");

  integration
    .command("import <dir>")
    .description(
      "validate a package folder, install its npm dependencies into its own folder, " +
        "compile and type-check its connectors, register it (or update it)",
    )
    .option("--no-typecheck", "skip the TypeScript type-check (esbuild still compiles)")
    .action(async (dir: string, options: { typecheck: boolean }) => {
      await withStore(async (store) => {
        const result = await installIntegrationPackage(store, dir, {
          typeCheck: options.typecheck,
          onProgress: (message) => process.stderr.write(`${message}\n`),
        });
        const { integration: imported } = result;
        console.log(
          `${result.created ? "imported" : "updated"} integration "${imported.name}" ` +
            `(short name ${imported.slug}, version ${result.version}) into ${imported.dir}`,
        );
        for (const [kind, definitions] of codeOf(imported))
          if (definitions.length) console.log(`${kind}s: ${definitions.map((d) => d.name).join(", ")}`);
        if (result.dependencies.length) console.log(`dependencies: ${result.dependencies.join(", ")}`);
      });
    });

  integration
    .command("export <name> <dir>")
    .description("write an integration's package folder (integration.json, connectors/, its other files) into a new or empty folder")
    .option("--version <n>", "an earlier imported version (see: intake integration versions NAME)", (v) => Number.parseInt(v, 10))
    .action(async (name: string, dir: string, options: { version?: number }) => {
      await withStore(async (store) => {
        const exported = await exportIntegration(store, name, dir, options.version === undefined ? {} : { version: options.version });
        console.log(
          `exported integration "${exported.name}"` +
            `${options.version === undefined ? "" : ` version ${options.version}`} to ${path.resolve(dir)}`,
        );
      });
    });

  integration
    .command("versions <name>")
    .description("the versions of an imported integration's files, newest first (each import that changed them)")
    .option("--json", "as JSON, with the files")
    .action(async (name: string, options: { json?: boolean }) => {
      await withStore(async (store) => {
        const versions = await listIntegrationVersions(store, name);
        if (options.json) return console.log(JSON.stringify(versions));
        console.log(
          versions.length
            ? table(
                versions.map((v) => ({
                  version: v.version,
                  imported: formatTime(v.createdAt),
                  files: Object.keys(v.files).length,
                  digest: v.digest.slice(0, 12),
                })),
                ["version", "imported", "files", "digest"],
              )
            : "no imported versions (built-in integrations have none)",
        );
      });
    });

  integration
    .command("configure <name>")
    .description(
      "set the integration's own parameters (integration.json's \"parameters\") read by all its connectors, actions and jobs; " +
        "passwords are stored encrypted and never shown",
    )
    .requiredOption("--params <file>", "JSON object: parameter name → value (a password left out keeps its stored value)")
    .action(async (name: string, options: { params: string }) => {
      const parameters = readParamsFile(options.params);
      await withStore(async (store) => {
        const { integration: configured, settings } = await configureIntegration(store, name, parameters);
        console.log(
          `configured integration "${configured.name}": ${
            Object.entries(settings)
              .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
              .join(", ") || "no parameters"
          }`,
        );
      });
    });

  integration
    .command("check <dir>")
    .description("validate a package folder, compile and type-check it in place, register nothing (its dependencies must be installed)")
    .action(async (dir: string) => {
      const definition = loadIntegrationPackage(dir);
      for (const [kind, definitions] of codeOf(definition)) for (const code of definitions) await compileCode(definition, code, kind);
      const problems = await typeCheckIntegration(definition);
      if (problems.length) throw new ConnectorTypes(problems.join("\n"));
      console.log(
        `integration "${definition.name}": ${definition.connectors.length} connector(s), ` +
          `${definition.actions.length} action(s), ${definition.jobs.length} job(s) compile and type-check`,
      );
    });

  const connector = program.commands.find((c) => c.name() === "connector") ?? program.command("connector");
  connector
    .command("allow-list <name> [values...]")
    .description("set the connector's allow-list (values its code reads as execution.allowList); no values clears it")
    .action(async (name: string, values: string[]) => {
      await withStore(async (store) => {
        const instance = await setAllowList(store, name, values ?? []);
        console.log(
          `connector "${instance.name}": allow-list has ${instance.allowList.length} value(s)` +
            `${instance.allowList.length ? `: ${instance.allowList.join(", ")}` : ""}`,
        );
      });
    });
}
