// The walls around integration code, attacked as an admin importing a package from elsewhere, a dependency
// of it and an analyst would: links and non-registry dependencies refused at import, no install script run,
// file parameters only from an admin's configuration under INTAKE_FILE_ROOTS, signals that cannot reach the
// CLI, resident memory and script output capped by the platform, no secret of its environment; and where
// bubblewrap cannot run, INTAKE_SANDBOX=strict refuses to run code. Each ends in `CODE: message`.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchCodeProcess, sandboxMode } from "../src/platform/runner/namespace.js";
import { makeWorkspace, type Workspace, queryDatabase } from "./support/cli.js";
import { createConnector } from "./support/email-workspace.js";
import { oneAlertConnector, writePackage, type ConnectorFiles } from "./support/packages.js";
import { countRows, waitFor } from "./support/wait.js";

const PG_PASSWORD = "pg-secret-5d1c8e";
const AWS_SECRET = "aws-secret-9f2b7a41";

let ws: Workspace;
let filesRoot: string;

const query = <T>(sql: string, ...params: unknown[]): T[] => queryDatabase<T>(ws.db, sql, ...params);

/** What reached cases: every row of cases, alerts, their events and entities. */
function stored(): string {
  return ["cases", "alerts", "events", "entities"].map((table) => JSON.stringify(query(`select * from ${table}`))).join("\n");
}

const lastLine = (text: string) => text.trim().split("\n").pop();

const FLOOD_PRELUDE =
  `const flooded = await runBoundedScript({ ` +
  `source: 'const b = Buffer.alloc(1 << 20, 97); for (let i = 0; i < 600; i++) process.stdout.write(b)', ` +
  `args: [], input: new Uint8Array(0), memoryMb: 256, timeoutMs: 60000, maxOutputBytes: 2e9 })
    .then((output) => "ok " + output.length, (error: { code: string; message: string }) => error.code + ": " + error.message);`;

beforeAll(async () => {
  ws = makeWorkspace();
  filesRoot = path.join(ws.dir, "files");
  fs.mkdirSync(filesRoot);
  fs.writeFileSync(path.join(filesRoot, "allowed.txt"), "allowed content\n");
  const connectors: Record<string, ConnectorFiles> = {
    killer: { code: oneAlertConnector(`"killer-" + Date.now()`, "{ survived: true }", `process.kill(process.ppid, "SIGKILL");`) },
    hoard: {
      json: { memoryMb: 128 },
      code: oneAlertConnector(
        `"hoard-" + Date.now()`,
        "{ hoarded: hoard.length }",
        `const hoard: Buffer[] = []; for (let i = 0; i < 96; i++) hoard.push(Buffer.alloc(16 * 1024 * 1024, i));`,
      ),
    },
    flood: {
      code: oneAlertConnector(`"flood-" + Date.now()`, "{ flooded }", FLOOD_PRELUDE, `import { runBoundedScript } from "intake/sdk";`),
    },
    environment: {
      code: oneAlertConnector(
        `"environment-" + Date.now()`,
        `{ pg: String(process.env.PGPASSWORD), aws: String(process.env.AWS_SECRET_ACCESS_KEY), path: String(process.env.PATH) }`,
      ),
    },
    peek: {
      json: { parameters: [{ name: "Path", type: "file", required: true }] },
      code: oneAlertConnector(
        `"peek-" + Date.now()`,
        `{ peeked: fs.readFileSync(execution.extractConnectorParam("Path", { isMandatory: true }), "utf8").trim() }`,
        "",
        `import fs from "node:fs";`,
      ),
    },
  };
  const dir = writePackage(path.join(ws.dir, "pkg"), { name: "Walls Tests" }, connectors, {
    "actions/peek.json": JSON.stringify({
      name: "Peek",
      description: "reads the file it is given",
      parameters: [{ name: "Path", type: "file" }],
      timeoutSeconds: 30,
    }),
    "actions/peek.ts":
      `import fs from "node:fs";\nimport { ActionExecution } from "intake/sdk";\n` +
      `export default async function main(execution: ActionExecution): Promise<void> {\n` +
      `  const data = fs.readFileSync(execution.extractActionParam("Path", { isMandatory: true }), "utf8");\n` +
      `  execution.end(data, true);\n}\n`,
  });
  const imported = await ws.intake(["integration", "import", dir]);
  expect(imported.code, imported.stderr).toBe(0);
  for (const name of ["killer", "hoard", "flood", "environment"]) {
    await createConnector(ws, name, "Walls Tests", {}, { connector: name, extra: ["--disabled"] });
  }
});

afterAll(() => {
  fs.rmSync(ws.dir, { recursive: true, force: true });
});

describe("a code process", () => {
  it("runs in namespaces here (bubblewrap installed, user namespaces allowed)", () => {
    expect(sandboxMode()).toBe("namespaces");
  });

  it("cannot signal the CLI: process.kill(process.ppid) fails the run, and the CLI reports it", async () => {
    const result = await ws.intake(["connector", "run", "killer", "--json"]);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(1);
    expect(lastLine(result.stderr)).toMatch(/^ERR_ACCESS_DENIED: the connector's process may not signal process \d+ \(sandbox\)$/);
    expect(ws.lastJson(result)).toMatchObject({ status: "failed" });
    expect(stored()).not.toContain("killer-");
  });

  it("cannot signal intake serve: its scheduled runs of process.kill(process.ppid) fail, it keeps serving and says its \
sandbox", async () => {
    await createConnector(ws, "killer-scheduled", "Walls Tests", {}, { connector: "killer", extra: ["--interval", "1"] });
    const serve = ws.spawnIntake(["serve", "--port", "0"]);
    let output = "";
    serve.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const failedRuns = () =>
        countRows(
          ws.db,
          "select count(*) as n from runs r join connectors c on c.id = r.connector_id " +
            "where c.name = 'killer-scheduled' and r.status = 'failed'",
        );
      await waitFor(() => failedRuns() >= 2, 90_000, 200);
      expect(serve.exitCode).toBeNull();
      expect(serve.signalCode).toBeNull();
      const port = /listening on http:\/\/[^:]+:(\d+)/.exec(output)?.[1];
      const health = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(await health.json()).toMatchObject({ ok: true, sandbox: "namespaces" });
      const errors = query<{ error: string }>(
        "select r.error from runs r join connectors c on c.id = r.connector_id where c.name = 'killer-scheduled' and r.status = 'failed'",
      );
      for (const { error } of errors)
        expect(error).toMatch(/^ERR_ACCESS_DENIED: the connector's process may not signal process \d+ \(sandbox\)$/);
    } finally {
      serve.kill("SIGTERM");
      await new Promise((resolve) => serve.once("exit", resolve));
    }
    expect(stored()).not.toContain("killer-");
  });

  it("in its PID namespace, reaches no process of the platform even past the SDK's guard", async () => {
    // A bare process of the sandbox (no child.ts guard): its parent is bubblewrap's init, not this one.
    const child = launchCodeProcess({
      scope: { entries: [], readRoots: [] },
      nodeFlags: [],
      args: ["-e", `process.stdout.write(String(process.ppid)); process.kill(process.ppid, "SIGKILL")`],
      ipc: false,
      memoryMb: 64,
    });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stdin!.end();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(output).toBe("1");
    expect(process.pid).toBeGreaterThan(1);
  });

  it("is stopped past its resident memory: 1.5 GB of Buffers under a 128 MB cap fail the run", async () => {
    const result = await ws.intake(["connector", "run", "hoard", "--json"]);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(1);
    expect(lastLine(result.stderr)).toBe("RUN_OUT_OF_MEMORY: the connector ran out of memory (cap 192 MB) and was stopped");
    expect(ws.lastJson(result)).toMatchObject({ status: "failed", ingested: 0 });
    expect(stored()).not.toContain("hoard-");
  });

  it("gets at most 64 MB of a bounded script's output, whatever it asks (600 MB with maxOutputBytes 2e9)", async () => {
    const result = await ws.intake(["connector", "run", "flood", "--json"]);
    expect(result.signal).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    const flooded = query<{ data: string }>("select data from events")
      .map((row) => JSON.parse(row.data) as { flooded?: string })
      .find((event) => event.flooded)?.flooded;
    expect(flooded).toBe(`SCRIPT_OUTPUT_TOO_LARGE: the script wrote more than ${64 * 1024 * 1024} bytes`);
  });

  it("sees none of the platform's secrets in its environment, only the allow-listed variables", async () => {
    const result = await ws.intake(["connector", "run", "environment", "--json"], {
      env: { PGPASSWORD: PG_PASSWORD, AWS_SECRET_ACCESS_KEY: AWS_SECRET },
    });
    expect(result.code, result.stderr).toBe(0);
    const event = query<{ data: string }>("select data from events")
      .map((row) => JSON.parse(row.data) as Record<string, string>)
      .find((each) => each.pg !== undefined)!;
    expect(event).toMatchObject({ pg: "undefined", aws: "undefined", path: process.env.PATH });
    expect(stored()).not.toContain(PG_PASSWORD);
    expect(stored()).not.toContain(AWS_SECRET);
    // Nor anywhere on disk (the run's log included).
    for (const suffix of ["", "-wal"]) {
      const bytes = fs.existsSync(ws.db + suffix) ? fs.readFileSync(ws.db + suffix) : Buffer.alloc(0);
      expect(bytes.includes(Buffer.from(PG_PASSWORD)) || bytes.includes(Buffer.from(AWS_SECRET))).toBe(false);
    }
  });
});

describe("file parameters", () => {
  it("name only files under INTAKE_FILE_ROOTS (default: the data folder's files/ and the temporary folder), never the \
data folder's own, links resolved", async () => {
    fs.symlinkSync(ws.db, path.join(filesRoot, "database-link"));
    for (const [name, file] of [
      ["peek-allowed", path.join(filesRoot, "allowed.txt")],
      ["peek-db", ws.db],
      ["peek-link", path.join(filesRoot, "database-link")],
    ] as const) {
      await createConnector(ws, name, "Walls Tests", { Path: file }, { connector: "peek", extra: ["--disabled"] });
    }
    const allowed = await ws.intake(["connector", "run", "peek-allowed", "--json"]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(stored()).toContain("allowed content");
    // The database, by name or through a link: the data folder's own, whatever the roots (the temporary folder holds it here).
    for (const [name, file] of [
      ["peek-db", ws.db],
      ["peek-link", path.join(filesRoot, "database-link")],
    ]) {
      const refused = await ws.intake(["connector", "run", name!, "--json"]);
      expect(refused.code).toBe(1);
      expect(lastLine(refused.stderr)).toBe(`FILE_PARAMETER: file parameter "Path" names ${file}, Intake's own key or database`);
    }
    await createConnector(ws, "peek-etc", "Walls Tests", { Path: "/etc/hostname" }, { connector: "peek", extra: ["--disabled"] });
    const outside = await ws.intake(["connector", "run", "peek-etc", "--json"]);
    expect(outside.code).toBe(1);
    expect(lastLine(outside.stderr)).toMatch(
      /^FILE_PARAMETER: file parameter "Path" names \/etc\/hostname, outside the file roots \(.+; INTAKE_FILE_ROOTS\)$/,
    );
  });

  it("are never set by an analyst's action run, nor by a playbook step from a placeholder", async () => {
    const made = await ws.intake(["connector", "run", "peek-allowed", "--json"]);
    expect(made.code, made.stderr).toBe(0);
    const caseId = query<{ id: number }>("select id from cases order by id desc limit 1")[0]!.id;
    const run = await ws.intake(
      ["action", "run", "Walls Tests", "Peek", "--case", String(caseId), "--params", ws.writeJson("peek-params.json", { Path: ws.db })],
      { env: { INTAKE_ACTOR: "mallory" } },
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `FILE_PARAMETER: file parameter "Path" is set by the run: ` +
        `an action's file parameters come only from its package's defaults, not from an analyst or a playbook`,
    );
    expect(query("select id from action_runs where action = 'Peek'")).toEqual([]);
    const playbook = ws.writeJson("peek-playbook.json", {
      name: "peek-subject",
      enabled: true,
      trigger: { event: "case_created" },
      steps: [{ id: "peek", action: "Walls Tests/Peek", params: { Path: "[Event.Subject]" } }],
    });
    const importedPlaybook = await ws.intake(["playbook", "import", playbook]);
    expect(importedPlaybook.code).toBe(1);
    expect(importedPlaybook.stderr).toContain(
      `file parameter "Path" of Walls Tests/Peek may not be set by a playbook step (and never from a placeholder)`,
    );
  });
});

describe("integration import", () => {
  it("refuses a link leaving the package, naming it", async () => {
    const dir = writePackage(path.join(ws.dir, "linked"), { name: "Linked" }, { c: { code: oneAlertConnector(`"c"`, "{}") } });
    fs.symlinkSync(ws.dir, path.join(dir, "link-data"));
    const result = await ws.intake(["integration", "import", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`PACKAGE_LINK: Linked: links leaving the package are refused: link-data -> ${ws.dir}`);
    expect(query("select name from integrations where name = 'Linked'")).toEqual([]);
  });

  it("refuses file:, link:, git and URL dependencies, naming each", async () => {
    const evil = writePackage(
      path.join(ws.dir, "evil-dependency"),
      { name: "Evil Dependency" },
      { c: { code: oneAlertConnector(`"c"`, "{}") } },
    );
    fs.writeFileSync(path.join(evil, "package.json"), JSON.stringify({ name: "evil", version: "1.0.0", main: "index.js" }));
    const dependencies = {
      evil: "file:../evil-dependency",
      linked: "link:../evil-dependency",
      repo: "git+https://example.com/x.git",
      hub: "someone/something",
      tarball: "https://example.com/x.tgz",
    };
    const dir = writePackage(
      path.join(ws.dir, "file-dependency"),
      { name: "File Dependency", dependencies },
      { c: { code: oneAlertConnector(`"c"`, "{}") } },
    );
    const result = await ws.intake(["integration", "import", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `DEPENDENCY_REFUSED: integration "File Dependency": dependencies come from the npm registry only (name and version): ${Object.entries(
        dependencies,
      )
        .map(([name, spec]) => `"${name}": "${spec}"`)
        .join(", ")} refused`,
    );
    expect(fs.existsSync(path.join(ws.dir, "integrations", "file-dependency"))).toBe(false);
  });

  it("runs no install script, and refuses by name a dependency that needs one", async () => {
    const registry = await startRegistry(path.join(ws.dir, "stolen"));
    try {
      const dir = writePackage(
        path.join(ws.dir, "scripted"),
        { name: "Scripted", dependencies: { "intake-walls-postinstall": "1.0.0" } },
        { c: { code: oneAlertConnector(`"c"`, "{}") } },
      );
      const result = await ws.intake(["integration", "import", dir], {
        env: { npm_config_registry: registry.url, npm_config_cache: path.join(ws.dir, "npm-cache") },
      });
      expect(result.code).toBe(1);
      expect(lastLine(result.stderr)).toBe(
        `DEPENDENCY_REFUSED: integration "Scripted": dependencies that need an install script are refused ` +
          `(npm runs with --ignore-scripts): intake-walls-postinstall (postinstall)`,
      );
      expect(registry.served()).toBe(true);
      expect(fs.existsSync(path.join(ws.dir, "stolen"))).toBe(false);
    } finally {
      await registry.close();
    }
  });
});

describe("without bubblewrap", () => {
  it("INTAKE_SANDBOX=strict refuses to run code; otherwise the fallback is said once on stderr", async () => {
    const unavailable = { INTAKE_BWRAP: path.join(ws.dir, "no-bwrap-here") };
    const strict = await ws.intake(["connector", "run", "environment", "--json"], { env: { ...unavailable, INTAKE_SANDBOX: "strict" } });
    expect(strict.code).toBe(1);
    expect(lastLine(strict.stderr)).toBe(
      `SANDBOX_UNAVAILABLE: INTAKE_SANDBOX=strict and bubblewrap cannot run here ` +
        `(${unavailable.INTAKE_BWRAP}: ENOENT): integration code is not run`,
    );
    expect(ws.lastJson(strict)).toMatchObject({ status: "failed" });
    const fallback = await ws.intake(["connector", "run", "environment", "--json"], { env: unavailable });
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.stderr.split("\n").filter((line) => line.includes("bubblewrap cannot run here"))).toEqual([
      `intake: bubblewrap cannot run here (${unavailable.INTAKE_BWRAP}: ENOENT): ` +
        `integration code runs under the Node permission model alone`,
    ]);
    // The permission model's guard holds the signal: the CLI outlives process.kill(process.ppid).
    const killer = await ws.intake(["connector", "run", "killer", "--json"], { env: unavailable });
    expect(killer.signal).toBeNull();
    expect(lastLine(killer.stderr)).toMatch(/^ERR_ACCESS_DENIED: the connector's process may not signal process \d+ \(sandbox\)$/);
  });
});

/**
 * A one-package npm registry: intake-walls-postinstall, whose postinstall copies the data folder's key
 * (when there is one) to `stolen`, and marks the attempt there in any case.
 */
async function startRegistry(stolen: string): Promise<{ url: string; served(): boolean; close(): Promise<void> }> {
  const source = path.join(ws.dir, "registry-package");
  fs.mkdirSync(source, { recursive: true });
  const script =
    `const fs = require("fs"); let key = "none"; ` +
    `try { key = fs.readFileSync(${JSON.stringify(path.join(ws.dir, "intake.key"))}, "utf8"); } catch {} ` +
    `fs.writeFileSync(${JSON.stringify(stolen)}, key);`;
  fs.writeFileSync(path.join(source, "index.js"), "module.exports = 1;\n");
  fs.writeFileSync(path.join(source, "postinstall.js"), script);
  fs.writeFileSync(
    path.join(source, "package.json"),
    JSON.stringify({
      name: "intake-walls-postinstall",
      version: "1.0.0",
      main: "index.js",
      scripts: { postinstall: "node postinstall.js" },
    }),
  );
  const tarballName = execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", ws.dir], { cwd: source, encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  const tarball = fs.readFileSync(path.join(ws.dir, tarballName));
  let served = false;
  const server = http.createServer((request, response) => {
    const { port } = server.address() as AddressInfo;
    if (request.url === "/intake-walls-postinstall") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          name: "intake-walls-postinstall",
          "dist-tags": { latest: "1.0.0" },
          versions: {
            "1.0.0": {
              name: "intake-walls-postinstall",
              version: "1.0.0",
              scripts: { postinstall: "node postinstall.js" },
              hasInstallScript: true,
              dist: {
                tarball: `http://127.0.0.1:${port}/intake-walls-postinstall/-/${tarballName}`,
                shasum: crypto.createHash("sha1").update(tarball).digest("hex"),
                integrity: `sha512-${crypto.createHash("sha512").update(tarball).digest("base64")}`,
              },
            },
          },
        }),
      );
    } else if (request.url?.endsWith(`/${tarballName}`)) {
      served = true;
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(tarball);
    } else {
      response.writeHead(404).end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    served: () => served,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
