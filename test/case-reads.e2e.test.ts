// The cases' reads the console and the CLI share (platform/cases/queries.ts), on SQLite and on a real PostgreSQL:
// one rule for a case's reported message, and the CLI's case list past one page of the queue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseFiles, isOriginalMessage, listCases, MAX_PAGE, newestCases, originalMessage } from "../src/platform/cases/index.js";
import { IntakeError } from "../src/platform/errors.js";
import { openStore, type Store } from "../src/platform/store/index.js";
import { makeWorkspace, type Workspace } from "./support/cli.js";
import { startPostgres, type Postgres } from "./support/postgres.js";
import { insertAlert } from "./support/seed.js";

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.stop());

/** A case of one alert per list of files; returns the case's id and its alerts' ids. */
type SeededFile = { name: string; type: string; text: string };

async function seedCase(store: Store, title: string, alerts: SeededFile[][], status: "open" | "closed" = "open") {
  const now = Date.now();
  const row = await store.db
    .insertInto("cases")
    .values({ title, priority: 60, status, environment: "", created_at: now, updated_at: now })
    .returning("id")
    .executeTakeFirstOrThrow();
  const alertIds: string[] = [];
  for (const [index, files] of alerts.entries()) {
    const alertId = `${title}-${index}`;
    const alertPk = await insertAlert(store.db, { case_id: row.id, alert_id: alertId, ticket_id: alertId, name: title, created_at: now });
    alertIds.push(alertId);
    for (const file of files) {
      const data = Buffer.from(file.text);
      await store.db
        .insertInto("alert_files")
        .values({
          alert_pk: alertPk,
          file_name: file.name,
          content_type: file.type,
          size: data.length,
          sha256: "0".repeat(64),
          data,
          encoding: "identity",
        })
        .execute();
    }
  }
  return { id: row.id, alertIds };
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return "none";
  } catch (error) {
    return error instanceof IntakeError ? error.code : String(error);
  }
}

describe.each([
  ["SQLite", (ws: Workspace) => ws.db],
  ["PostgreSQL", () => postgres.createDatabase(`reads_${Math.random().toString(36).slice(2, 10)}`)],
])("a case's reads on %s", (_name, database) => {
  let ws: Workspace;
  let url: string;
  let store: Store;
  beforeAll(async () => {
    ws = makeWorkspace({ INTAKE_DB: "", INTAKE_HOME: "" });
    url = database(ws);
    store = await openStore(url);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("finds the reported message by one rule (message/rfc822 or any .eml, in any case) for the console and the CLI", async () => {
    // Another connector's names: no original.eml, an .EML in capitals with a generic type, then an rfc822 part.
    const other = await seedCase(store, "other connector", [
      [
        { name: "notes.txt", type: "text/plain", text: "not a message" },
        { name: "Forwarded.EML", type: "application/octet-stream", text: "Subject: first\r\n\r\nfirst\r\n" },
      ],
      [{ name: "attached", type: "message/rfc822", text: "Subject: second\r\n\r\nsecond\r\n" }],
    ]);
    const none = await seedCase(store, "no message", [[{ name: "notes.txt", type: "text/plain", text: "only notes" }]]);

    expect((await caseFiles(store, other.id)).filter(isOriginalMessage).map((file) => [file.file_name, file.alert_id])).toEqual([
      ["Forwarded.EML", other.alertIds[0]],
      ["attached", other.alertIds[1]],
    ]);
    expect((await originalMessage(store, other.id)).toString()).toBe("Subject: first\r\n\r\nfirst\r\n");
    expect((await originalMessage(store, other.id, other.alertIds[1])).toString()).toBe("Subject: second\r\n\r\nsecond\r\n");
    expect((await caseFiles(store, none.id)).some(isOriginalMessage)).toBe(false);
    expect(await codeOf(originalMessage(store, none.id))).toBe("EML_NOT_FOUND");
    expect(await codeOf(originalMessage(store, 999_999))).toBe("CASE_NOT_FOUND");

    // The CLI gives the same bytes the console downloads, and the same errors.
    const first = await ws.intake(["--db", url, "cases", "eml", String(other.id)]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("Subject: first\r\n\r\nfirst\r\n");
    const second = await ws.intake(["--db", url, "cases", "eml", String(other.id), "--alert", other.alertIds[1]!]);
    expect(second.stdout).toBe("Subject: second\r\n\r\nsecond\r\n");
    const missing = await ws.intake(["--db", url, "cases", "eml", String(none.id)]);
    expect(missing.stderr).toMatch(/^EML_NOT_FOUND: case \d+ has no stored original message/m);
    expect((await ws.intake(["--db", url, "cases", "eml", "999999"])).stderr).toMatch(/CASE_NOT_FOUND: no case 999999/);
  });

  it("lists the newest cases past one page of the queue, as the console pages them", async () => {
    const count = MAX_PAGE + 30;
    for (let i = 0; i < count; i++) await seedCase(store, `queued ${i}`, [], i % 7 === 0 ? "closed" : "open");
    const newest = await newestCases(store, { limit: MAX_PAGE + 10 });
    expect(newest).toHaveLength(MAX_PAGE + 10);
    expect(newest.map((c) => c.id)).toEqual([...newest.map((c) => c.id)].sort((a, b) => b - a));
    expect(newest[0]).toMatchObject({ title: `queued ${count - 1}`, sender: "", urls: 0, indicators: 0, attachments: 0 });
    const page = await listCases(store, { limit: MAX_PAGE });
    expect(newest.slice(0, MAX_PAGE).map((c) => c.id)).toEqual(page.cases.map((c) => c.id));
    const closed = await newestCases(store, { status: "closed", limit: 1000 });
    expect(closed.map((c) => c.title)).toEqual(
      [...Array(count).keys()]
        .filter((i) => i % 7 === 0)
        .reverse()
        .map((i) => `queued ${i}`),
    );

    const listed = await ws.intake(["--db", url, "cases", "list", "--status", "closed", "--limit", "3"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.match(/queued \d+/g)).toEqual(closed.slice(0, 3).map((c) => c.title));
  });
});
