// A connector's process runs under Node's permission model (src/platform/runner/sandbox.ts): reading the
// database, the key file, /etc/passwd or the platform's own modules, writing outside its spool folder,
// starting a process or a worker thread each fail its run with a message naming what was refused, and the
// next run of another connector succeeds. What it needs (its package's files, the SDK, handing packages
// over) still works, from a run and from the IDE's Play alike.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { createConnector } from "./support/email-workspace.js";
import { oneAlertConnector, writePackage, type ConnectorFiles } from "./support/packages.js";

let ws: Workspace;
let keyFile: string;
const STORE_MODULE = path.join(PROJECT_ROOT, "dist/src/platform/store/index.js");

/** A connector whose whole body is `statement` (with fs, child_process and worker_threads at hand). */
function attempt(statement: string, json: ConnectorFiles["json"] = {}): ConnectorFiles {
  return {
    json,
    code:
      `import fs from "node:fs";\nimport { execFileSync } from "node:child_process";\nimport { Worker } from "node:worker_threads";\n` +
      `void fs; void execFileSync; void Worker;\nexport default async function main(): Promise<void> {\n  ${statement};\n}\n`,
  };
}

const SCRIPT_SOURCES = {
  doubled: `let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => process.stdout.write(String(2 * Number(s))));`,
  passwd: `require("fs").readFileSync("/etc/passwd")`,
  spawn: `require("child_process").execSync("true")`,
  write: `require("fs").writeFileSync(require("os").tmpdir() + "/intake-planted", "x")`,
  loop: `for (;;) {}`,
  // Asks for more memory than its connector has: held to the connector's cap.
  memory: `const hoard = []; for (;;) hoard.push(new Array(100000).fill(hoard.length))`,
};
const SCRIPTS_PRELUDE =
  `const run = (source: string) => runBoundedScript({ ` +
  `source, args: [], input: new TextEncoder().encode("21"), memoryMb: 4096, timeoutMs: 3000, maxOutputBytes: 1000 })
    .then((output) => "ok " + output, (error: { code: string; message: string }) => error.code + ": " + error.message);
  const sources: Record<string, string> = ${JSON.stringify(SCRIPT_SOURCES)};
  const outcomes: Record<string, string> = {};
  for (const [name, source] of Object.entries(sources)) outcomes[name] = await run(source);`;

const denied = (what: string) => `ERR_ACCESS_DENIED: the connector's process may not ${what} (sandbox)`;

function runRow(runId: number): { status: string; error: string | null } {
  const db = new Database(ws.db, { readonly: true });
  try {
    return db.prepare("select status, error from runs where id = ?").get(runId) as { status: string; error: string | null };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  ws = makeWorkspace();
  keyFile = path.join(ws.dir, "intake.key");
  const connectors: Record<string, ConnectorFiles> = {
    // A password parameter: the platform makes its key file beside the database to store it.
    database: attempt(`fs.readFileSync(${JSON.stringify(ws.db)})`, { parameters: [{ name: "Token", type: "password", required: true }] }),
    key: attempt(`fs.readFileSync(${JSON.stringify(keyFile)})`),
    passwd: attempt(`fs.readFileSync("/etc/passwd")`),
    // A path the compiler cannot follow (it would bundle the module): loaded at run time, as code would try.
    store: attempt(`await import(String(${JSON.stringify(STORE_MODULE)}))`),
    overwrite: attempt(`fs.writeFileSync(${JSON.stringify(ws.db)}, "gone")`),
    plant: attempt(`fs.writeFileSync(new URL("./planted.mjs", import.meta.url), "export default 1")`),
    spawn: attempt(`execFileSync("cat", ["/etc/passwd"])`),
    worker: attempt(`new Worker("1", { eval: true })`),
    // Reads a file of its own package, and hands over a file large enough to travel through the spool.
    own: {
      code: oneAlertConnector(
        `"own-" + Date.now()`,
        `{ shipped: fs.readFileSync(new URL("../data/shipped.txt", import.meta.url), "utf8").trim() }`,
        "",
        `import fs from "node:fs";`,
      ).replace(
        "  await execution.returnPackage",
        `  alert.attachments.push({ fileName: "big.bin", contentType: "application/octet-stream", ` +
          `data: new Uint8Array(256 * 1024).fill(7) });\n  await execution.returnPackage`,
      ),
    },
    quick: { code: oneAlertConnector(`"quick-" + Date.now()`, `{ quick: true }`) },
    // Bounded scripts (the SDK's runBoundedScript), started by the runner in the same sandbox.
    scripts: {
      json: { memoryMb: 128 },
      code: oneAlertConnector(`"scripts-" + Date.now()`, "outcomes", SCRIPTS_PRELUDE, `import { runBoundedScript } from "intake/sdk";`),
    },
  };
  const dir = writePackage(path.join(ws.dir, "pkg"), { name: "Sandbox Tests" }, connectors, {
    "data/shipped.txt": "shipped with the package\n",
  });
  const imported = await ws.intake(["integration", "import", dir]);
  expect(imported.code, imported.stderr).toBe(0);
  for (const name of Object.keys(connectors)) {
    const params = name === "database" ? { Token: "a-token" } : {};
    await createConnector(ws, name, "Sandbox Tests", params, { connector: name });
  }
}, 300_000);

describe("the sandbox of a connector's process", () => {
  const cases: [connector: string, refused: () => string][] = [
    ["database", () => `read ${ws.db}`],
    ["key", () => `read ${keyFile}`],
    ["passwd", () => "read /etc/passwd"],
    ["store", () => `read ${STORE_MODULE}`],
    ["overwrite", () => `write ${ws.db}`],
    ["spawn", () => "start a process"],
    ["worker", () => "start a worker thread"],
  ];

  it.each(cases)(
    "fails the run of %s with what was refused; the next connector's run succeeds",
    async (connector, refused) => {
      if (connector === "key") expect(fs.existsSync(keyFile), "the key file exists").toBe(true);
      const result = await ws.intake(["connector", "run", connector, "--json"]);
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim().split("\n").pop()).toBe(denied(refused()));
      const summary = ws.lastJson(result) as { run: number; status: string };
      expect(runRow(summary.run)).toEqual({ status: "failed", error: denied(refused()) });
      const next = await ws.intake(["connector", "run", "quick", "--json"]);
      expect(next.code, next.stderr).toBe(0);
      expect(ws.lastJson(next)).toMatchObject({ status: "succeeded", ingested: 1 });
    },
    120_000,
  );

  it("leaves the database whole and plants nothing in the connector's own folder", async () => {
    const plant = await ws.intake(["connector", "run", "plant", "--json"]);
    expect(plant.stderr.trim().split("\n").pop()).toMatch(
      /^ERR_ACCESS_DENIED: the connector's process may not write \/.+\/\.build\/planted\.mjs \(sandbox\)$/,
    );
    const planted = plant.stderr.match(/write (\S+planted\.mjs)/)![1]!;
    expect(fs.existsSync(planted)).toBe(false);
    expect(fs.readFileSync(ws.db).subarray(0, 15).toString()).toBe("SQLite format 3");
  });

  it("lets a connector read its own package's files and hand over packages through its spool folder", async () => {
    const result = await ws.intake(["connector", "run", "own", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(ws.lastJson(result)).toMatchObject({ status: "succeeded", ingested: 1 });
    const test = await ws.intake(["connector", "run", "own", "--test", "--json"]);
    const alert = (
      JSON.parse(test.stdout.trim().split("\n")[0]!) as { events: { shipped: string }[]; attachments: { size: number }[] }[]
    )[0]!;
    expect(alert.events[0]!.shipped).toBe("shipped with the package");
    expect(alert.attachments).toEqual([expect.objectContaining({ fileName: "big.bin", size: 256 * 1024 })]);
  });
});

describe("a connector's bounded scripts", () => {
  it("run in a process of their own, in the same sandbox, within the connector's memory cap and their deadline", async () => {
    const result = await ws.intake(["connector", "run", "scripts", "--test", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const event = (JSON.parse(result.stdout.trim().split("\n")[0]!) as { events: Record<string, string>[] }[])[0]!.events[0]!;
    const refused = "SCRIPT_FAILED: the script failed: Error: Access to this API has been restricted, code ERR_ACCESS_DENIED";
    expect(event).toMatchObject({
      doubled: "ok 42",
      passwd: `${refused}, resource /etc/passwd`,
      spawn: refused,
      write: expect.stringMatching(new RegExp(`^${refused}, resource /.+/intake-planted$`)),
      loop: "SCRIPT_TIMEOUT: the script ran past 3000 ms and was stopped",
      memory: "SCRIPT_OUT_OF_MEMORY: the script needed more than 128 MB",
    });
  }, 120_000);
});

describe("the IDE's Play", () => {
  type Ide = typeof import("../src/platform/ide/index.js");
  type StoreModule = typeof import("../src/platform/store/index.js");
  let store: Awaited<ReturnType<StoreModule["openStore"]>>;
  let playConnector: Ide["playConnector"];

  beforeAll(async () => {
    // The built platform, as `intake serve` runs it: Play forks the built child entry.
    ({ playConnector } = (await import(path.join(PROJECT_ROOT, "dist/src/platform/ide/index.js"))) as Ide);
    store = await ((await import(STORE_MODULE)) as StoreModule).openStore(ws.db);
  });

  afterAll(async () => {
    await store?.close();
  });

  it("runs the edited code in the same sandbox: /etc/passwd is refused, the package's own code runs", async () => {
    const refused = await playConnector(store, "sandbox-tests", "quick", {
      code: attempt(`fs.readFileSync("/etc/passwd")`).code,
      parameters: {},
    });
    expect(refused).toMatchObject({
      status: "failed",
      error: { code: "ERR_ACCESS_DENIED", message: "the connector's process may not read /etc/passwd (sandbox)" },
    });
    const played = await playConnector(store, "sandbox-tests", "quick", {
      code: oneAlertConnector(`"played"`, `{ played: true }`),
      parameters: {},
    });
    expect(played).toMatchObject({ status: "succeeded", alertCount: 1, failed: 0 });
  }, 120_000);
});
