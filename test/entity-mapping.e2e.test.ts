// Entity mapping of a connector definition: ingest turns the mapped event fields into the case's entities
// (distinct, beside the connector's own), actions run on them, and a wrong entity type is refused by name.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { createConnector } from "./support/email-workspace.js";
import { oneAlertConnector, writePackage } from "./support/packages.js";

const EXAMPLE = path.join(PROJECT_ROOT, "examples", "csv-alerts");
const RESPOND = path.join(PROJECT_ROOT, "test", "fixtures", "respond-tests");

function entitiesOf(ws: Workspace): { case_id: number; type: string; value: string; source: string | null }[] {
  const db = new Database(ws.db, { readonly: true });
  try {
    return db.prepare("select case_id, type, value, source from entities order by case_id, id").all() as never;
  } finally {
    db.close();
  }
}

async function ok(ws: Workspace, args: string[]) {
  const result = await ws.intake(args);
  expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
  return result;
}

describe("entity mapping", () => {
  it("gives the CSV example's cases entities from their mapped event fields, and an action runs on them", async () => {
    const ws = makeWorkspace();
    await ok(ws, ["integration", "import", EXAMPLE]);
    // A file parameter names a file under the data folder's files/ (INTAKE_FILE_ROOTS' default).
    const csv = path.join(ws.dir, "files", "detections.csv");
    fs.mkdirSync(path.dirname(csv), { recursive: true });
    fs.copyFileSync(path.join(EXAMPLE, "detections.csv"), csv);
    await createConnector(ws, "detections", "CSV Alerts", { "CSV File": csv });
    const run = await ok(ws, ["connector", "run", "detections", "--json"]);
    expect(ws.lastJson(run)).toMatchObject({ ingested: 3, failed: 0 });

    const entities = entitiesOf(ws);
    const byValue = (value: string) => entities.filter((e) => e.value === value).map((e) => ({ type: e.type, source: e.source }));
    expect(byValue("srv-db1")).toEqual([{ type: "HOSTNAME", source: "event field SourceHostName" }]);
    expect(byValue("svc-backup")).toEqual([{ type: "USERNAME", source: "event field SourceUserName" }]);
    expect(byValue("http://tools.example.org/mimi.zip")).toEqual([{ type: "URL", source: "event field found_url" }]);
    // Row 1002 has no URL: an empty field makes no entity.
    const login = entities.filter((e) => e.case_id === entities.find((x) => x.value === "bob")!.case_id);
    expect(login.map((e) => e.type).sort()).toEqual(["HOSTNAME", "USERNAME"]);

    await ok(ws, ["integration", "import", RESPOND]);
    await ok(ws, ["integration", "configure", "Respond Tests", "--params", ws.writeJson("settings.json", { Prefix: "csv" })]);
    const caseId = entities.find((e) => e.value === "srv-db1")!.case_id;
    const action = await ok(ws, ["action", "run", "Respond Tests", "Lookup", "--case", String(caseId), "--json"]);
    expect(ws.lastJson(action)).toMatchObject({
      status: "completed",
      resultValue: true,
      json: { seen: ["URL http://tools.example.org/mimi.zip"] },
    });
  });

  it("adds each mapped value once per alert beside the connector's own entities, and refuses an unknown entity type by name", async () => {
    const ws = makeWorkspace();
    const fields = `{ src: "a@example.com", dst: "a@example.com", site: "https://x.example/", blank: "  ", nested: { no: 1 } }`;
    // The connector sets the URL itself: the mapping does not add it a second time.
    const code = oneAlertConnector(`"mapped-" + Date.now()`, fields).replace(
      "await execution.returnPackage",
      `alert.entities.push({ type: "URL", value: "https://x.example/", source: "code" });\n` +
        `  alert.events.push({ ...alert.events[0]!, src: "b@example.com" });\n  await execution.returnPackage`,
    );
    const mapping = { src: "EMAIL_ADDRESS", dst: "EMAIL_ADDRESS", site: "URL", blank: "USERNAME", nested: "FILENAME" };
    const dir = writePackage(path.join(ws.dir, "mapped"), { name: "Mapped" }, { feed: { json: { entityMapping: mapping }, code } });
    await ok(ws, ["integration", "import", dir]);
    await ok(ws, ["connector", "create", "feed", "--integration", "Mapped", "--params", ws.writeJson("none.json", {})]);
    await ok(ws, ["connector", "run", "feed", "--json"]);
    expect(entitiesOf(ws).map((e) => `${e.type} ${e.value} (${e.source})`)).toEqual([
      "URL https://x.example/ (code)",
      "EMAIL_ADDRESS a@example.com (event field src)",
      "EMAIL_ADDRESS b@example.com (event field src)",
    ]);

    const wrong = writePackage(
      path.join(ws.dir, "wrong"),
      { name: "Wrong" },
      { feed: { json: { entityMapping: { src: "EMAIL" } }, code } },
    );
    const refused = await ws.intake(["integration", "import", wrong]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/feed\.json: entityMapping\.src: "EMAIL" is not an entity type \(URL, DOMAIN/);
  });
});
