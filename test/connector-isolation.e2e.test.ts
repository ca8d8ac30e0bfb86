// Connectors written by users run isolated: a throw, an endless loop, memory exhaustion and a flood of
// logs harm only their own run; each gets only its own parameters; the SDK's context, timestamp and
// allow-list work end to end.
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { makeWorkspace, type Workspace } from "./support/cli.js";
import { createConnector } from "./support/email-workspace.js";
import { oneAlertConnector, writePackage } from "./support/packages.js";

let ws: Workspace;

const CONNECTORS = {
  thrower: {
    code: `export default async function main(): Promise<void> {\n  throw new Error("the feed answered 503 Service Unavailable");\n}\n`,
  },
  looper: { json: { timeoutSeconds: 3 }, code: `export default async function main(): Promise<void> {\n  while (true) {}\n}\n` },
  hog: {
    json: { memoryMb: 64 },
    code:
      `export default async function main(): Promise<void> {\n  const hoard: number[][] = [];\n` +
      `  while (true) hoard.push(new Array(100_000).fill(hoard.length));\n}\n`,
  },
  chatty: {
    code:
      `import type { ConnectorExecution } from "intake/sdk";\n` +
      `export default async function main(execution: ConnectorExecution): Promise<void> {\n` +
      `  for (let i = 0; i < 5000; i++) execution.logger.info("line " + i + " " + "x".repeat(400));\n` +
      `  console.log("from console.log");\n}\n`,
  },
  env: {
    json: {
      parameters: [
        { name: "Api Key", type: "password", required: true },
        { name: "Feed", type: "string", default: "https://feed.example" },
      ],
    },
    code: oneAlertConnector(
      `"env-" + Date.now()`,
      `{ intake_variables: Object.keys(process.env).filter((k) => k.startsWith("INTAKE_")), ` +
        `secret_key: process.env.INTAKE_SECRET_KEY ?? null, api_key: execution.extractConnectorParam("Api Key"), ` +
        `feed: execution.extractConnectorParam("Feed"), ` +
        `parameters_seen: ["Api Key", "Feed", "Other Key"].filter((name) => execution.extractConnectorParam(name) !== undefined) }`,
    ),
  },
  counter: {
    code: oneAlertConnector(
      `"count-" + count`,
      `{ count, previous_timestamp: previous, allow_list: [...execution.allowList], ` +
        `priorities: [Priority.INFORMATIVE, Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL] }`,
      `const count = Number(execution.getConnectorContext("count") ?? "0") + 1;
  execution.setConnectorContext("count", String(count));
  const previous = execution.fetchTimestamp({ defaultValue: -1 });
  execution.saveTimestamp(1_700_000_000_000 + count);`,
    ),
  },
  quick: { code: oneAlertConnector(`"quick-" + Date.now()`, `{ quick: true }`) },
};

function runRow(runId: number): { status: string; error: string | null; logs: string } {
  const db = new Database(ws.db, { readonly: true });
  try {
    return db.prepare("select status, error, logs from runs where id = ?").get(runId) as {
      status: string;
      error: string | null;
      logs: string;
    };
  } finally {
    db.close();
  }
}

function firstEvent(stdout: string): Record<string, unknown> {
  return (JSON.parse(stdout.trim().split("\n")[0]!) as { events: Record<string, unknown>[] }[])[0]!.events[0]!;
}

beforeAll(async () => {
  ws = makeWorkspace({ INTAKE_SECRET_KEY: "k".repeat(64).replace(/k/g, "a"), INTAKE_PASSWORD: "not-for-connectors" });
  const dir = writePackage(path.join(ws.dir, "pkg"), { name: "Test Connectors" }, CONNECTORS);
  const imported = await ws.intake(["integration", "import", dir]);
  expect(imported.code, imported.stderr).toBe(0);
  for (const name of Object.keys(CONNECTORS)) {
    const params = name === "env" ? { "Api Key": "key-of-env-connector" } : {};
    await createConnector(ws, name, "Test Connectors", params, { connector: name });
  }
}, 300_000);

describe("isolated runs of user connectors", () => {
  it("records a connector that throws as a failed run with its message, exit non-zero and one line on stderr", async () => {
    const result = await ws.intake(["connector", "run", "thrower", "--json"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toEqual(["CONNECTOR_FAILED: the feed answered 503 Service Unavailable"]);
    const summary = ws.lastJson(result) as { run: number; status: string };
    expect(summary.status).toBe("failed");
    expect(runRow(summary.run)).toMatchObject({ status: "failed", error: "CONNECTOR_FAILED: the feed answered 503 Service Unavailable" });
  });

  it("stops a connector that loops forever at its timeout while another connector's run goes on unharmed", async () => {
    const started = Date.now();
    const looping = ws.intake(["connector", "run", "looper", "--json"]);
    const other = await ws.intake(["connector", "run", "quick", "--json"]);
    expect(other.code, other.stderr).toBe(0);
    expect(ws.lastJson(other)).toMatchObject({ status: "succeeded", ingested: 1 });
    const result = await looping;
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n").pop()).toBe("RUN_TIMEOUT: the connector ran past its timeout of 3 s and was stopped");
    expect(runRow((ws.lastJson(result) as { run: number }).run).status).toBe("timed_out");
    const next = await ws.intake(["connector", "run", "quick", "--json"]);
    expect(ws.lastJson(next)).toMatchObject({ status: "succeeded", ingested: 1 });
  });

  it("fails a connector that exhausts its memory cap alone, as RUN_OUT_OF_MEMORY", async () => {
    const result = await ws.intake(["connector", "run", "hog", "--json"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n").pop()).toBe("RUN_OUT_OF_MEMORY: the connector ran out of memory (cap 64 MB) and was stopped");
    expect(runRow((ws.lastJson(result) as { run: number }).run).status).toBe("failed");
    const next = await ws.intake(["connector", "run", "quick", "--json"]);
    expect(ws.lastJson(next)).toMatchObject({ status: "succeeded", ingested: 1 });
  });

  it("keeps a run's log bounded and captures console output", async () => {
    const result = await ws.intake(["connector", "run", "chatty", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const logs = JSON.parse(runRow((ws.lastJson(result) as { run: number }).run).logs) as { message: string }[];
    expect(logs.length).toBeLessThanOrEqual(2001);
    expect(logs.reduce((sum, entry) => sum + entry.message.length, 0)).toBeLessThanOrEqual(1_100_000);
    expect(logs[logs.length - 1]!.message).toMatch(/^\d+ more log lines were dropped \(the log is bounded\)$/);
    expect(logs[0]!.message).toMatch(/^line 0 x+$/);
  });

  it("gives a connector only its own parameters, its secret decrypted, and no INTAKE_ variables", async () => {
    const result = await ws.intake(["connector", "run", "env", "--test", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(firstEvent(result.stdout)).toMatchObject({
      intake_variables: [],
      secret_key: null,
      api_key: "key-of-env-connector",
      feed: "https://feed.example",
      parameters_seen: ["Api Key", "Feed"],
    });
    expect(result.stderr).not.toContain("key-of-env-connector");
  });

  it("persists the connector context and timestamp across runs, committed with returnPackage and never by a test run", async () => {
    const allow = await ws.intake(["connector", "allow-list", "counter", "alice@example.test", "10.0.0.0/8"]);
    expect(allow.code, allow.stderr).toBe(0);
    const test1 = await ws.intake(["connector", "run", "counter", "--test", "--json"]);
    expect(firstEvent(test1.stdout)).toMatchObject({
      count: 1,
      previous_timestamp: -1,
      allow_list: ["alice@example.test", "10.0.0.0/8"],
      priorities: [-1, 40, 60, 80, 100],
    });
    const run1 = await ws.intake(["connector", "run", "counter", "--json"]);
    expect(ws.lastJson(run1)).toMatchObject({ ingested: 1 });
    const test2 = await ws.intake(["connector", "run", "counter", "--test", "--json"]);
    expect(firstEvent(test2.stdout)).toMatchObject({ count: 2, previous_timestamp: 1_700_000_000_001 });
    const run2 = await ws.intake(["connector", "run", "counter", "--json"]);
    expect(ws.lastJson(run2)).toMatchObject({ ingested: 1 });
    const test3 = await ws.intake(["connector", "run", "counter", "--test", "--json"]);
    expect(firstEvent(test3.stdout)).toMatchObject({ count: 3, previous_timestamp: 1_700_000_000_002 });
    const cleared = await ws.intake(["connector", "allow-list", "counter"]);
    expect(cleared.stdout).toContain('connector "counter": allow-list has 0 value(s)');
  }, 300_000);
});
