// Integration packages written by users, through the built CLI: import (npm dependencies in the package's
// own folder, compile and type errors), export, and the README's CSV example end to end.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { oneAlertConnector, writePackage } from "./support/packages.js";

const EXAMPLE = path.join(PROJECT_ROOT, "examples", "csv-alerts");

function lastLine(text: string): string {
  return text.trim().split("\n").pop() ?? "";
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

async function exportCases(ws: Workspace) {
  const result = await ws.intake(["cases", "export", "--jsonl"]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout
    .split("\n")
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as { id: number; title: string; priority: number; alerts: ({ events: unknown[] } & Record<string, unknown>)[] },
    );
}

function contextRows(ws: Workspace): Record<string, string> {
  const db = new Database(ws.db, { readonly: true });
  try {
    const rows = db.prepare("select key, value from connector_context").all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  } finally {
    db.close();
  }
}

/** A package whose connector reports the version of is-number it resolves (an untyped dependency). */
function versionPackage(dir: string, name: string, range: string): string {
  return writePackage(
    dir,
    { name, dependencies: { "is-number": range } },
    {
      version: {
        code: oneAlertConnector(
          `"${name}-" + Date.now()`,
          `{ is_number_version: version, is_number_says: isNumber("42") }`,
          `const version = (createRequire(import.meta.url)("is-number/package.json") as { version: string }).version;`,
          `import { createRequire } from "node:module";\nimport isNumber from "is-number";`,
        ),
      },
    },
  );
}

describe("integration packages", () => {
  it("imports the README's CSV example with its npm dependency: a test run stores nothing, a run makes cases, a rerun \
ingests 0, export gives the folder back", async () => {
    const ws = makeWorkspace();
    const imported = await ws.intake(["integration", "import", EXAMPLE]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('imported integration "CSV Alerts" (short name csv-alerts, version 1)');
    // Its dependency sits in its own folder, not in the platform's node_modules.
    const installed = path.join(ws.dir, "integrations", "csv-alerts");
    expect(fs.existsSync(path.join(installed, "node_modules", "csv-parse", "package.json"))).toBe(true);
    expect(fs.existsSync(path.join(PROJECT_ROOT, "node_modules", "csv-parse"))).toBe(false);

    const list = await ws.intake(["integrations", "list"]);
    expect(list.stdout).toMatch(/CSV Alerts\s+csv-alerts\s+CSV Alerts Connector\s+imported/);
    expect(list.stdout).toMatch(
      /Email Connector\s+email\s+My Email Connector\s+Purge Email, Reply To Reporter, Restore Email, Search Mailboxes\s+built-in/,
    );

    // A file parameter names a file under the data folder's files/ (INTAKE_FILE_ROOTS' default).
    const csv = path.join(ws.dir, "files", "detections.csv");
    fs.mkdirSync(path.dirname(csv));
    fs.copyFileSync(path.join(EXAMPLE, "detections.csv"), csv);
    const params = ws.writeJson("csv.json", { "CSV File": csv });
    const created = await ws.intake(["connector", "create", "detections", "--integration", "CSV Alerts", "--params", params]);
    expect(created.code, created.stderr).toBe(0);

    const test = await ws.intake(["connector", "run", "detections", "--test", "--json"]);
    expect(test.code, test.stderr).toBe(0);
    expect(ws.lastJson(test)).toMatchObject({ alerts: 3, ingested: 0, status: "succeeded", test: true });
    expect(await exportCases(ws)).toHaveLength(0);
    expect(contextRows(ws)).toEqual({});

    const run = await ws.intake(["connector", "run", "detections", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(ws.lastJson(run)).toMatchObject({ fetched: 3, alerts: 3, ingested: 3, duplicates: 0, failed: 0 });
    const cases = await exportCases(ws);
    expect(cases.map((c) => c.title).sort()).toEqual(["Beacon to known C2", "Credential dump tool", "Unusual login hour"]);
    const critical = cases.find((c) => c.title === "Credential dump tool")!;
    expect(critical.priority).toBe(100);
    expect(critical.alerts[0]).toMatchObject({ display_id: "csv-1003", device_product: "CSV Alerts" });
    expect(critical.alerts[0]!.events[0]).toMatchObject({
      event_name: "Credential dump tool",
      SourceHostName: "srv-db1",
      found_url: "http://tools.example.org/mimi.zip",
      severity: "critical",
    });
    expect(contextRows(ws)).toEqual({ timestamp: String(Date.parse("2026-11-20T08:09:00Z")), last_file: csv });

    const rerun = await ws.intake(["connector", "run", "detections", "--json"]);
    expect(ws.lastJson(rerun)).toMatchObject({ alerts: 0, ingested: 0 });

    // A new row, with its host on the allow-list: skipped with its reason; another new row: one more case.
    fs.appendFileSync(
      csv,
      "1004,2026-11-21T09:00:00Z,medium,ws-99,Test rule,,carol\n1005,2026-11-21T09:01:00Z,low,ws-17,Port scan,,dave\n",
    );
    const allowed = await ws.intake(["connector", "allow-list", "detections", "ws-99", "ws-98"]);
    expect(allowed.stdout).toContain('connector "detections": allow-list has 2 value(s): ws-99, ws-98');
    const third = await ws.intake(["connector", "run", "detections", "--json", "--verbose"]);
    expect(ws.lastJson(third)).toMatchObject({ alerts: 1, ingested: 1, skipped: 1 });
    expect(third.stderr).toContain("skipped 1004: host ws-99 is on the allow-list");

    const out = path.join(ws.dir, "exported");
    const exported = await ws.intake(["integration", "export", "csv-alerts", out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(listFiles(out)).toEqual(listFiles(EXAMPLE));
    for (const file of listFiles(EXAMPLE))
      expect(fs.readFileSync(path.join(out, file), "utf8")).toBe(fs.readFileSync(path.join(EXAMPLE, file), "utf8"));
    const again = await ws.intake(["integration", "export", "csv-alerts", out]);
    expect(lastLine(again.stderr)).toMatch(/^EXPORT_TARGET: .*exported exists and is not empty/);

    // Edited and imported again: a new version, its dependencies reused; the first one can be exported back.
    fs.appendFileSync(path.join(out, "connectors", "csv-alerts.ts"), "// edited\n");
    const updated = await ws.intake(["integration", "import", out]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain('updated integration "CSV Alerts" (short name csv-alerts, version 2)');
    expect(updated.stderr).toContain("dependencies unchanged: reused the installed ones");
    const same = await ws.intake(["integration", "import", out]);
    expect(same.stdout).toContain("version 2)");
    const versions = await ws.intake(["integration", "versions", "csv-alerts", "--json"]);
    const history = JSON.parse(versions.stdout) as { version: number; files: Record<string, string> }[];
    expect(history.map((v) => v.version)).toEqual([2, 1]);
    expect(history[0]!.files["connectors/csv-alerts.ts"]).toMatch(/\/\/ edited\n$/);
    const first = path.join(ws.dir, "first");
    expect((await ws.intake(["integration", "export", "csv-alerts", first, "--version", "1"])).code).toBe(0);
    expect(listFiles(first)).toEqual(listFiles(EXAMPLE));
    for (const file of listFiles(EXAMPLE))
      expect(fs.readFileSync(path.join(first, file), "utf8")).toBe(fs.readFileSync(path.join(EXAMPLE, file), "utf8"));
  }, 400_000);

  it("lets two integrations depend on different major versions of one package, each resolving its own", async () => {
    const ws = makeWorkspace();
    for (const [name, range] of [
      ["Numbers Six", "^6.0.0"],
      ["Numbers Seven", "^7.0.0"],
    ] as const) {
      const imported = await ws.intake(["integration", "import", versionPackage(path.join(ws.dir, "src", name), name, range)]);
      expect(imported.code, imported.stderr).toBe(0);
      const created = await ws.intake(["connector", "create", name, "--integration", name, "--params", ws.writeJson("none.json", {})]);
      expect(created.code, created.stderr).toBe(0);
    }
    const six = await ws.intake(["connector", "run", "Numbers Six", "--test", "--json"]);
    const seven = await ws.intake(["connector", "run", "Numbers Seven", "--test", "--json"]);
    expect(six.code, six.stderr).toBe(0);
    expect(seven.code, seven.stderr).toBe(0);
    const eventOf = (result: { stdout: string }) =>
      (JSON.parse(result.stdout.trim().split("\n")[0]!) as { events: Record<string, unknown>[] }[])[0]!.events[0]!;
    expect(eventOf(six)).toMatchObject({ is_number_version: expect.stringMatching(/^6\./), is_number_says: true });
    expect(eventOf(seven)).toMatchObject({ is_number_version: expect.stringMatching(/^7\./), is_number_says: true });
  }, 300_000);

  it("refuses a dependency that does not exist, naming it, and leaves the previous version working", async () => {
    const ws = makeWorkspace();
    const source = versionPackage(path.join(ws.dir, "src"), "Numbers", "^6.0.0");
    expect((await ws.intake(["integration", "import", source])).code).toBe(0);
    await ws.intake(["connector", "create", "numbers", "--integration", "numbers", "--params", ws.writeJson("none.json", {})]);

    const manifest = JSON.parse(fs.readFileSync(path.join(source, "integration.json"), "utf8"));
    manifest.dependencies["intake-no-such-package-zq9x"] = "^1.0.0";
    manifest.dependencies["is-number"] = "^7.0.0";
    fs.writeFileSync(path.join(source, "integration.json"), JSON.stringify(manifest));
    const failed = await ws.intake(["integration", "import", source]);
    expect(failed.code).not.toBe(0);
    expect(lastLine(failed.stderr)).toMatch(
      /^DEPENDENCY_INSTALL: integration "Numbers": npm could not install dependency "intake-no-such-package-zq9x@\^1\.0\.0": /,
    );

    const run = await ws.intake(["connector", "run", "numbers", "--test", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/"is_number_version":"6\./);
    expect(fs.readdirSync(path.join(ws.dir, "integrations")).filter((f) => f.startsWith("."))).toEqual([]);
  }, 300_000);

  it("reports invalid packages, syntax errors, type errors and undeclared packages with file, field, line and column", async () => {
    const ws = makeWorkspace();
    const base = (dir: string) => path.join(ws.dir, dir);

    writePackage(base("bad-json"), { name: "Bad", icon: "missing.svg" }, { c: { code: "export default async function main() {}\n" } });
    const badJson = await ws.intake(["integration", "import", base("bad-json")]);
    expect(lastLine(badJson.stderr)).toBe(
      `PACKAGE_INVALID: ${path.join(base("bad-json"), "integration.json")}: icon: file missing.svg is not beside integration.json`,
    );
    writePackage(base("bad-connector"), { name: "Bad" }, { c: { json: { timeoutSeconds: "soon", memoryMb: 1 }, code: "" } });
    const badConnector = await ws.intake(["integration", "import", base("bad-connector")]);
    expect(lastLine(badConnector.stderr)).toMatch(/^PACKAGE_INVALID: .*bad-connector\/connectors\/c\.json: timeoutSeconds: .*; memoryMb: /);

    writePackage(
      base("syntax"),
      { name: "Syntax" },
      {
        c: {
          code:
            'import { ConnectorExecution } from "intake/sdk";\n' +
            "export default async function main(execution: ConnectorExecution) {\n  const x = ;\n}\n",
        },
      },
    );
    const syntax = await ws.intake(["integration", "import", base("syntax")]);
    expect(syntax.code).not.toBe(0);
    expect(syntax.stderr).toContain(`CONNECTOR_COMPILE: ${path.join(base("syntax"), "connectors", "c.ts")}:3:13: Unexpected ";"`);

    const typed = oneAlertConnector(
      `"t-1"`,
      `{ extra_field: [1, 2], nested: { ok: true } }`,
      `const count: number = execution.extractConnectorParam("Name");`,
    );
    writePackage(base("types"), { name: "Types" }, { c: { code: typed } });
    const types = await ws.intake(["integration", "import", base("types")]);
    expect(types.code).not.toBe(0);
    expect(types.stderr).toContain(
      `CONNECTOR_TYPES: ${path.join(base("types"), "connectors", "c.ts")}:4:9: TS2322: Type 'string' is not assignable to type 'number'.`,
    );
    // Nothing was registered.
    expect((await ws.intake(["integrations", "list"])).stdout).not.toContain("Types");

    writePackage(
      base("undeclared"),
      { name: "Undeclared" },
      { c: { code: `import isNumber from "is-number";\nexport default async function main() { isNumber(1); }\n` } },
    );
    const undeclared = await ws.intake(["integration", "import", base("undeclared")]);
    expect(undeclared.stderr).toContain(
      `${path.join(base("undeclared"), "connectors", "c.ts")}:1:22: ` +
        `package "is-number" is not a declared dependency (add it to "dependencies" in integration.json)`,
    );

    // Extra event fields and the SDK's names type-check: the same code with a string import succeeds.
    writePackage(base("types"), { name: "Types" }, { c: { code: typed.replace("const count: number", "const count: string") } });
    const fixed = await ws.intake(["integration", "import", base("types")]);
    expect(fixed.code, fixed.stderr).toBe(0);
  }, 300_000);
});
