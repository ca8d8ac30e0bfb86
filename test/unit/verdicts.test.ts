// Verdicts: the SDK stages an action's case changes (checked), the platform applies them in one
// transaction with the history, an analyst's override wins over later triage, and earlier cases are found
// by a shared indicator with the verdict an analyst gave them.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyCaseUpdates,
  caseHistory,
  caseVerdict,
  findEarlierCases,
  overrideVerdict,
  verdictHistory,
} from "../../src/platform/cases/index.js";
import { openStore, type Store } from "../../src/platform/store/index.js";
import { startPostgres, type Postgres } from "../support/postgres.js";
import { standInExecution } from "../support/engine-action-execution.js";
import { insertCaseWithEntities } from "../support/seed.js";

let store: Store;
let ids: number[] = [];
let postgres: Postgres | undefined;

async function open(dialect: string): Promise<void> {
  if (dialect === "postgres") {
    postgres ??= await startPostgres();
    store = await openStore(postgres.createDatabase("verdicts"));
  } else {
    store = await openStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "intake-verdicts-")), "intake.db"));
  }
  ids = [
    await insertCaseWithEntities(store.db, "first", [["URL", "http://evil.test/a"]]),
    await insertCaseWithEntities(store.db, "second", [["URL", "http://evil.test/a"]]),
    await insertCaseWithEntities(store.db, "third", [["URL", "http://other.test/"]]),
  ];
}
afterAll(() => postgres?.stop());

describe("the SDK's staged case changes", () => {
  it("refuses a verdict, score, priority or close reason that is none, and hands back what was staged", () => {
    const action = standInExecution();
    expect(() => action.setCaseVerdict({ value: "evil" as "malicious", reasons: [] })).toThrow(
      "setCaseVerdict: a verdict is one of malicious, suspicious, benign, simulation, unknown",
    );
    expect(() => action.setCaseVerdict({ value: "malicious", score: 101, reasons: [] })).toThrow("a score is a whole number from 0 to 100");
    expect(() => action.setCasePriority(70)).toThrow("setCasePriority: a priority is one of -1, 40, 60, 80, 100");
    expect(() => action.closeCase("  ")).toThrow("closeCase: say why the case is closed");
    action.setCaseVerdict({ value: "malicious", score: 90, reasons: ["x".repeat(600)] });
    action.setCasePriority(80);
    action.closeCase("rule");
    const staged = action.takeResult().caseUpdates!;
    expect(staged.verdict?.reasons[0]).toHaveLength(500);
    expect(staged).toMatchObject({ verdict: { value: "malicious", score: 90 }, priority: 80, close: { reason: "rule" } });
  });
});

describe.each(["sqlite", "postgres"])("verdicts on cases (%s)", (dialect) => {
  beforeAll(() => open(dialect), 120_000);
  afterAll(() => store?.close());

  it("applies verdict, priority and close in the caller's transaction, each in the history", async () => {
    await store.db
      .transaction()
      .execute((trx) =>
        applyCaseUpdates(
          trx,
          ids[0]!,
          { verdict: { value: "suspicious", score: 40, reasons: ["r"] }, priority: 80, close: { reason: "closed by rule X" } },
          "playbook:p",
        ),
      );
    expect(await caseVerdict(store, ids[0]!)).toMatchObject({
      value: "suspicious",
      score: 40,
      reasons: ["r"],
      setBy: "playbook:p",
      overridden: false,
    });
    const row = await store.db
      .selectFrom("cases")
      .select(["priority", "status", "closed_reason"])
      .where("id", "=", ids[0]!)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ priority: 80, status: "closed", closed_reason: "closed by rule X" });
    expect((await caseHistory(store, ids[0]!)).map((entry) => [entry.action, entry.actor])).toEqual([
      ["verdict", "playbook:p"],
      ["priority", "playbook:p"],
      ["status", "playbook:p"],
    ]);
  });

  it("keeps an analyst's override against later triage, recording the triage verdict as not applied", async () => {
    await expect(overrideVerdict(store, ids[0]!, "malicious", " ", "ada")).rejects.toMatchObject({ code: "CASE_VERDICT" });
    await expect(overrideVerdict(store, ids[0]!, "bad", "why", "ada")).rejects.toMatchObject({ code: "CASE_VERDICT" });
    await overrideVerdict(store, ids[0]!, "malicious", "confirmed", "ada");
    await store.db
      .transaction()
      .execute((trx) => applyCaseUpdates(trx, ids[0]!, { verdict: { value: "unknown", reasons: [] } }, "playbook:p"));
    expect(await caseVerdict(store, ids[0]!)).toMatchObject({ value: "malicious", setBy: "ada", overridden: true, reasons: ["confirmed"] });
    expect((await verdictHistory(store, ids[0]!)).map((entry) => [entry.value, entry.setBy, entry.applied])).toEqual([
      ["suspicious", "playbook:p", true],
      ["malicious", "ada", true],
      ["unknown", "playbook:p", false],
    ]);
  });

  it("finds earlier cases by a shared indicator, newest first, with the analyst's verdict, never the case itself", async () => {
    const found = await findEarlierCases(store, { caseId: ids[1]!, items: [{ entityType: "URL", identifier: "http://evil.test/a" }] });
    expect(found).toEqual([
      expect.objectContaining({
        caseId: ids[0],
        status: "closed",
        verdict: expect.objectContaining({ value: "malicious", overridden: true }),
        matched: [{ entityType: "URL", identifier: "http://evil.test/a" }],
      }),
    ]);
    expect(await findEarlierCases(store, { caseId: ids[0]!, items: [{ entityType: "URL", identifier: "http://evil.test/a" }] })).toEqual(
      [],
    );
    await expect(findEarlierCases(store, { caseId: ids[2]!, items: "all" })).rejects.toMatchObject({
      code: "VALIDATION",
      message: expect.stringContaining("cases.earlier: items:"),
    });
  });
});
