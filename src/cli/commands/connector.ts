// `intake connector create|run|list|show`: connector instances and their runs.
import fs from "node:fs";
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { IntakeError, ParamsFile } from "../../platform/errors.js";
import {
  displayParameters,
  groupingView,
  listConnectors,
  resolveConnector,
  saveConnector,
  wantsPush,
} from "../../platform/catalog/index.js";
import {
  ConnectorLoop,
  enableWarmRunners,
  listRuns,
  recentRuns,
  runConnector,
  runCounts,
  stopWarmRunners,
} from "../../platform/runner/index.js";
import { formatTime, printLog, table } from "../output.js";
import type { GroupingMode } from "../../platform/store/index.js";

/** The JSON of a --params file, or PARAMS_FILE naming what is wrong with it. */
export function readParamsFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new ParamsFile(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ParamsFile(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

export function register(program: Command, withStore: WithStore): void {
  const connector = program.command("connector").description("connector instances: create, run, list, show");

  connector
    .command("create <name>")
    .description("create a connector (or update the one of that name) from a JSON file of parameter values")
    .requiredOption("--integration <name>", 'the integration ("email" for the built-in Email Connector)')
    .option("--connector <name>", "the connector of that integration (when it has more than one)")
    .requiredOption("--params <file>", "JSON object: parameter name → value")
    .option("--interval <seconds>", "run interval in seconds (default: the connector's)", (v) => Number.parseInt(v, 10))
    .option("--disabled", "create it disabled (intake serve does not run it)")
    .option(
      "--grouping <mode>",
      "how alerts become cases: campaign (default: reports of one mail in one case), " +
        "indicator (a shared URL or file), off (one case per alert)",
    )
    .option("--grouping-hours <hours>", "grouping time frame in hours (default 24)", (v) => Number(v))
    .option("--grouping-max <alerts>", "most alerts in one case (default 500)", (v) => Number(v))
    .action(
      async (
        name: string,
        options: {
          integration: string;
          connector?: string;
          params: string;
          interval?: number;
          disabled?: boolean;
          grouping?: string;
          groupingHours?: number;
          groupingMax?: number;
        },
      ) => {
        const parameters = readParamsFile(options.params);
        await withStore(async (store) => {
          const { created, instance } = await saveConnector(store, {
            name,
            integration: options.integration,
            connector: options.connector,
            parameters,
            intervalSeconds: options.interval,
            ...(options.disabled ? { enabled: false } : {}),
            grouping: {
              ...(options.grouping !== undefined ? { mode: options.grouping as GroupingMode } : {}),
              ...(options.groupingHours !== undefined ? { windowHours: options.groupingHours } : {}),
              ...(options.groupingMax !== undefined ? { maxAlerts: options.groupingMax } : {}),
            },
          });
          console.log(
            `${created ? "created" : "updated"} connector "${instance.name}" ` +
              `(${instance.integration} / ${instance.definition}, every ${instance.intervalSeconds} s)`,
          );
        });
      },
    );

  connector
    .command("run <name>")
    .description("run one iteration: ingest the alerts as cases (--test: store nothing, mark nothing read, print the package)")
    .option("--test", "a test run: print the package and the logs, store nothing")
    .option("--json", "print the summary as one JSON object on the last line of stdout")
    .option("-v, --verbose", "print every log line (a test run always does)")
    .action(async (name: string, options: { test?: boolean; json?: boolean; verbose?: boolean }) => {
      const summary = await withStore((store) =>
        runConnector(store, name, {
          test: options.test ?? false,
          onLog: (entry) => {
            if (options.test || options.verbose || entry.level === "error" || entry.level === "warn") printLog(entry);
          },
        }),
      );
      if (summary.package) {
        process.stdout.write(`${JSON.stringify(summary.package, null, options.json ? undefined : 2)}\n`);
      }
      const counts = { ...runCounts(summary), ms: summary.ms };
      if (options.json) {
        const answer = JSON.stringify({
          ...counts,
          run: summary.runId,
          status: summary.status,
          test: summary.test,
          ...(summary.error ? { error: summary.error } : {}),
        });
        process.stdout.write(`${answer}\n`);
      } else {
        console.log(
          `run ${summary.runId} ${summary.status}${summary.test ? " (test: nothing stored)" : ""}: ` +
            `fetched ${counts.fetched}, alerts ${counts.alerts}, ingested ${counts.ingested}, duplicates ${counts.duplicates}, ` +
            `failed ${counts.failed}, ${counts.ms} ms`,
        );
      }
      if (summary.error) throw new IntakeError(summary.error.code, summary.error.message);
    });

  connector
    .command("ping <name>")
    .description("test the connection (SecOps' Ping): server, TLS, credentials, folders; fetches nothing")
    .action(async (name: string) => {
      const summary = await withStore((store) => runConnector(store, name, { ping: true, onLog: printLog }));
      if (summary.error) throw new IntakeError(summary.error.code, summary.error.message);
      console.log(`ping ${name}: ok (${summary.ms} ms)`);
    });

  connector
    .command("watch <name>")
    .description("run the connector on its interval and, with push, as soon as new items arrive, until stopped (Ctrl-C)")
    .option("--interval <seconds>", "override the interval", (v) => Number.parseInt(v, 10))
    .action(async (name: string, options: { interval?: number }) => {
      await withStore(async (store) => {
        const resolved = await resolveConnector(store, name);
        const push = wantsPush(resolved);
        const loop = new ConnectorLoop(store, name, {
          intervalSeconds: options.interval ?? resolved.instance.intervalSeconds,
          push,
          onLog: (entry) => {
            if (entry.level !== "debug") printLog(entry);
          },
          onRun: (s) =>
            console.log(
              JSON.stringify({
                run: s.runId,
                status: s.status,
                fetched: s.fetched,
                ingested: s.ingested,
                duplicates: s.duplicates,
                failed: s.failed,
                skipped: s.skipped,
                ms: s.ms,
                at: new Date().toISOString(),
              }),
            ),
        });
        // Its runs reuse one warm process while it watches.
        enableWarmRunners();
        console.error(
          `watching connector "${name}" every ${options.interval ?? resolved.instance.intervalSeconds} s` +
            `${push ? " and on push" : ""}; Ctrl-C stops after the current batch`,
        );
        loop.start();
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        await loop.stop();
        await stopWarmRunners();
      });
    });

  connector
    .command("list")
    .description("list connector instances")
    .action(async () => {
      await withStore(async (store) => {
        const connectors = await listConnectors(store);
        // The console's rule: a connector's newest run that was not a test, however long ago.
        const rows = await Promise.all(
          connectors.map(async (c) => {
            const [last] = await recentRuns(store, c.name, 1);
            return {
              name: c.name,
              integration: c.integration,
              connector: c.definition,
              enabled: c.enabled ? "yes" : "no",
              interval: `${c.intervalSeconds}s`,
              "last run": last ? `${last.status} ${formatTime(last.started_at)}` : "never",
            };
          }),
        );
        console.log(
          rows.length
            ? table(rows, ["name", "integration", "connector", "enabled", "interval", "last run"])
            : "no connectors yet: intake connector create NAME --integration email --params FILE.json",
        );
      });
    });

  connector
    .command("show <name>")
    .description("a connector's definition, parameter values (secrets hidden) and recent runs")
    .option("--json", "as JSON")
    .action(async (name: string, options: { json?: boolean }) => {
      await withStore(async (store) => {
        const resolved = await resolveConnector(store, name);
        const { instance, definition } = resolved;
        const { runs } = await listRuns(store, { connector: instance.name, limit: 10 });
        const view = {
          name: instance.name,
          integration: instance.integration,
          connector: definition.name,
          enabled: instance.enabled,
          intervalSeconds: instance.intervalSeconds,
          timeoutSeconds: definition.timeoutSeconds,
          productFieldName: definition.productFieldName,
          eventFieldName: definition.eventFieldName,
          grouping: groupingView(instance.grouping),
          parameters: displayParameters(resolved),
          runs: runs.map((r) => ({
            id: r.id,
            test: r.is_test === 1,
            status: r.status,
            started: formatTime(r.started_at),
            ms: r.finished_at ? r.finished_at - r.started_at : null,
            fetched: r.fetched,
            ingested: r.ingested,
            duplicates: r.duplicates,
            failed: r.failed,
            error: r.error,
          })),
        };
        if (options.json) return console.log(JSON.stringify(view, null, 2));
        console.log(
          `${view.name}: ${view.integration} / ${view.connector} ` +
            `(${view.enabled ? "enabled" : "disabled"}, every ${view.intervalSeconds} s, timeout ${view.timeoutSeconds} s)`,
        );
        console.log(`field mappings: Product Field Name = ${view.productFieldName}, Event Field Name = ${view.eventFieldName}`);
        const limits = ` (time frame ${view.grouping.windowHours} h, at most ${view.grouping.maxAlerts} alerts per case)`;
        console.log(`grouping: ${view.grouping.mode}${view.grouping.mode === "off" ? "" : limits}`);
        console.log("parameters:");
        for (const p of definition.parameters)
          console.log(`  ${p.name} (${p.type}${p.required ? ", required" : ""}): ${view.parameters[p.name] ?? ""}`);
        console.log(
          view.runs.length
            ? `runs:\n${table(
                view.runs.map((r) => ({ ...r, test: r.test ? "test" : "" })),
                ["id", "test", "status", "started", "ms", "fetched", "ingested", "duplicates", "failed", "error"],
              )}`
            : "runs: none yet",
        );
      });
    });
}
