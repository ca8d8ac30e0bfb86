// The `intake` command line: connectors, runs, cases and integrations (CONTRACT.md's commands and more).
import fs from "node:fs";
import { Command, CommanderError } from "commander";
import { IntakeError } from "../sdk/errors.js";
import { priorityName } from "../sdk/priority.js";
import type { LogEntry } from "../sdk/execution.js";
import { displayParameters, listConnectors, listIntegrations, resolveConnector, saveConnector } from "../platform/catalog/index.js";
import { exportCases, loadCases } from "../platform/cases/index.js";
import { runConnector } from "../platform/runner/index.js";
import { openStore, resolveDatabaseUrl, type Store } from "../platform/store/index.js";
import { errorLine, formatTime, table } from "./output.js";

function readParamsFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new IntakeError("PARAMS_FILE", `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new IntakeError("PARAMS_FILE", `${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function printLog(entry: LogEntry): void {
  process.stderr.write(`${formatTime(entry.time)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}\n`);
}

export function buildProgram(withStore: <T>(work: (store: Store) => Promise<T>) => Promise<T>): Command {
  const program = new Command("intake")
    .description("Intake: reported phishing mail in, cases out. A SOAR connector platform.")
    .option("--db <url>", "database: a SQLite file or a postgres:// URL (default: $INTAKE_DB or ./intake.db)")
    .showHelpAfterError()
    .exitOverride();

  const connector = program.command("connector").description("connector instances: create, run, list, show");

  connector
    .command("create <name>")
    .description("create a connector (or update the one of that name) from a JSON file of parameter values")
    .requiredOption("--integration <name>", 'the integration ("email" for the built-in Email Connector)')
    .option("--connector <name>", "the connector of that integration (when it has more than one)")
    .requiredOption("--params <file>", "JSON object: parameter name → value")
    .option("--interval <seconds>", "run interval in seconds (default: the connector's)", (v) => Number.parseInt(v, 10))
    .option("--disabled", "create it disabled (intake serve does not run it)")
    .action(async (name: string, options: { integration: string; connector?: string; params: string; interval?: number; disabled?: boolean }) => {
      const parameters = readParamsFile(options.params);
      await withStore(async (store) => {
        const { created, instance } = await saveConnector(store, {
          name, integration: options.integration, connector: options.connector, parameters,
          intervalSeconds: options.interval, ...(options.disabled ? { enabled: false } : {}),
        });
        console.log(`${created ? "created" : "updated"} connector "${instance.name}" (${instance.integration} / ${instance.definition}, every ${instance.intervalSeconds} s)`);
      });
    });

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
        process.stdout.write(JSON.stringify(summary.package, null, options.json ? undefined : 2) + "\n");
      }
      const counts = { fetched: summary.fetched, alerts: summary.alerts, ingested: summary.ingested, duplicates: summary.duplicates, failed: summary.failed, ms: summary.ms };
      if (options.json) {
        process.stdout.write(JSON.stringify({ ...counts, run: summary.runId, status: summary.status, test: summary.test, ...(summary.error ? { error: summary.error } : {}) }) + "\n");
      } else {
        console.log(`run ${summary.runId} ${summary.status}${summary.test ? " (test: nothing stored)" : ""}: fetched ${counts.fetched}, alerts ${counts.alerts}, ingested ${counts.ingested}, duplicates ${counts.duplicates}, failed ${counts.failed}, ${counts.ms} ms`);
      }
      if (summary.error) throw new IntakeError(summary.error.code, summary.error.message);
    });

  connector
    .command("list")
    .description("list connector instances")
    .action(async () => {
      await withStore(async (store) => {
        const connectors = await listConnectors(store);
        const last = await store.db.selectFrom("runs").select(["connector_id", "status", "started_at"]).where("is_test", "=", 0).orderBy("id", "desc").limit(1000).execute();
        const lastByConnector = new Map<number, (typeof last)[number]>();
        for (const run of last) if (!lastByConnector.has(run.connector_id)) lastByConnector.set(run.connector_id, run);
        const rows = connectors.map((c) => ({
          name: c.name, integration: c.integration, connector: c.definition, enabled: c.enabled ? "yes" : "no",
          interval: `${c.intervalSeconds}s`, "last run": lastByConnector.get(c.id) ? `${lastByConnector.get(c.id)!.status} ${formatTime(lastByConnector.get(c.id)!.started_at)}` : "never",
        }));
        console.log(rows.length ? table(rows, ["name", "integration", "connector", "enabled", "interval", "last run"]) : "no connectors yet: intake connector create NAME --integration email --params FILE.json");
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
        const runs = await store.db.selectFrom("runs").selectAll().where("connector_id", "=", instance.id).orderBy("id", "desc").limit(10).execute();
        const view = {
          name: instance.name, integration: instance.integration, connector: definition.name, enabled: instance.enabled,
          intervalSeconds: instance.intervalSeconds, timeoutSeconds: definition.timeoutSeconds,
          productFieldName: definition.productFieldName, eventFieldName: definition.eventFieldName,
          parameters: displayParameters(resolved),
          runs: runs.map((r) => ({ id: r.id, test: r.is_test === 1, status: r.status, started: formatTime(r.started_at), ms: r.finished_at ? r.finished_at - r.started_at : null, fetched: r.fetched, ingested: r.ingested, duplicates: r.duplicates, failed: r.failed, error: r.error })),
        };
        if (options.json) return console.log(JSON.stringify(view, null, 2));
        console.log(`${view.name}: ${view.integration} / ${view.connector} (${view.enabled ? "enabled" : "disabled"}, every ${view.intervalSeconds} s, timeout ${view.timeoutSeconds} s)`);
        console.log(`field mappings: Product Field Name = ${view.productFieldName}, Event Field Name = ${view.eventFieldName}`);
        console.log("parameters:");
        for (const p of definition.parameters) console.log(`  ${p.name} (${p.type}${p.required ? ", required" : ""}): ${view.parameters[p.name] ?? ""}`);
        console.log(view.runs.length ? `runs:\n${table(view.runs.map((r) => ({ ...r, test: r.test ? "test" : "" })), ["id", "test", "status", "started", "ms", "fetched", "ingested", "duplicates", "failed", "error"])}` : "runs: none yet");
      });
    });

  program
    .command("integrations")
    .description("integrations")
    .command("list")
    .description("list the integrations and their connectors")
    .action(async () => {
      await withStore(async (store) => {
        const integrations = await listIntegrations(store);
        console.log(table(
          integrations.map((d) => ({ name: d.name, short: d.slug, connectors: d.connectors.map((c) => c.name).join(", "), kind: d.builtin ? "built-in" : "imported", description: d.description.slice(0, 80) })),
          ["name", "short", "connectors", "kind", "description"],
        ));
      });
    });

  const runs = program.command("runs").description("run history");
  runs
    .command("list")
    .option("--connector <name>", "only this connector's runs")
    .option("--limit <n>", "how many", (v) => Number.parseInt(v, 10), 20)
    .action(async (options: { connector?: string; limit: number }) => {
      await withStore(async (store) => {
        let query = store.db.selectFrom("runs").innerJoin("connectors", "connectors.id", "runs.connector_id")
          .select(["runs.id", "connectors.name", "runs.is_test", "runs.status", "runs.started_at", "runs.finished_at", "runs.fetched", "runs.ingested", "runs.duplicates", "runs.failed", "runs.error"]);
        if (options.connector) query = query.where("connectors.name", "=", options.connector);
        const rows = await query.orderBy("runs.id", "desc").limit(options.limit).execute();
        console.log(table(rows.map((r) => ({ ...r, connector: r.name, test: r.is_test ? "test" : "", started: formatTime(r.started_at), ms: r.finished_at ? r.finished_at - r.started_at : "" })),
          ["id", "connector", "test", "status", "started", "ms", "fetched", "ingested", "duplicates", "failed", "error"]));
      });
    });
  runs
    .command("show <id>")
    .description("a run's counts and its log")
    .action(async (id: string) => {
      await withStore(async (store) => {
        const run = await store.db.selectFrom("runs").selectAll().where("id", "=", Number(id)).executeTakeFirst();
        if (!run) throw new IntakeError("RUN_UNKNOWN", `no run ${id}`);
        console.log(`run ${run.id}: ${run.status}${run.is_test ? " (test)" : ""}, fetched ${run.fetched}, ingested ${run.ingested}, duplicates ${run.duplicates}, failed ${run.failed}${run.error ? `\n${run.error}` : ""}`);
        for (const entry of JSON.parse(run.logs) as LogEntry[]) console.log(`${formatTime(entry.time)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}`);
      });
    });

  const cases = program.command("cases").description("the case queue");
  cases
    .command("export")
    .description("every case with its alerts and events, as JSON (--jsonl: one case per line)")
    .option("--jsonl", "one JSON object per line")
    .action(async (options: { jsonl?: boolean }) => {
      await withStore(async (store) => {
        let first = true;
        if (!options.jsonl) process.stdout.write("[");
        for await (const item of exportCases(store)) {
          const text = JSON.stringify(item);
          const ok = process.stdout.write(options.jsonl ? `${text}\n` : `${first ? "" : ","}\n${text}`);
          first = false;
          if (!ok) await new Promise((resolve) => process.stdout.once("drain", resolve));
        }
        if (!options.jsonl) process.stdout.write("\n]\n");
      });
    });
  cases
    .command("list")
    .description("the newest cases")
    .option("--limit <n>", "how many", (v) => Number.parseInt(v, 10), 20)
    .option("--status <status>", "open, in_progress or closed")
    .action(async (options: { limit: number; status?: string }) => {
      await withStore(async (store) => {
        let query = store.db.selectFrom("cases").selectAll();
        if (options.status) query = query.where("status", "=", options.status as "open");
        const rows = await query.orderBy("id", "desc").limit(options.limit).execute();
        console.log(table(rows.map((r) => ({ ...r, priority: priorityName(r.priority), created: formatTime(r.created_at), title: JSON.stringify(r.title).slice(1, -1).slice(0, 80) })), ["id", "priority", "status", "created", "title"]));
      });
    });
  cases
    .command("show <id>")
    .description("one case with its alerts and events, as JSON")
    .action(async (id: string) => {
      await withStore(async (store) => {
        const [found] = await loadCases(store, [Number(id)]);
        if (!found) throw new IntakeError("CASE_UNKNOWN", `no case ${id}`);
        console.log(JSON.stringify(found, null, 2));
      });
    });

  return program;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let store: Store | undefined;
  let program: Command | undefined;
  const withStore = async <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    store ??= await openStore(resolveDatabaseUrl(program?.opts<{ db?: string }>().db));
    return work(store);
  };
  program = buildProgram(withStore);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`${errorLine(error)}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}
