// The case actions every caller goes through: status and priority checked against the one vocabulary and recorded in the history; comments.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addCaseComment,
  caseHistory,
  CASE_STATUSES,
  PRIORITIES,
  priorityName,
  setCasePriority,
  setCaseStatus,
} from "../../src/platform/cases/index.js";
import { openStore, type Store } from "../../src/platform/store/index.js";

let store: Store;
let caseId: number;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-actions-"));
  store = await openStore(path.join(dir, "intake.db"));
  const row = await store.db
    .insertInto("cases")
    .values({ title: "t", priority: 60, status: "open", environment: "Default", created_at: 1, updated_at: 1 })
    .returning("id")
    .executeTakeFirstOrThrow();
  caseId = row.id;
});
afterAll(() => store?.close());

describe("case actions", () => {
  it("names the scale and the statuses", () => {
    expect(PRIORITIES).toEqual([-1, 40, 60, 80, 100]);
    expect(PRIORITIES.map(priorityName)).toEqual(["Informative", "Low", "Medium", "High", "Critical"]);
    expect(CASE_STATUSES).toEqual(["open", "in_progress", "closed"]);
  });

  it("refuses a priority off the scale, a status not among the statuses and an unknown case, changing nothing", async () => {
    await expect(setCasePriority(store, caseId, 50, "ada")).rejects.toMatchObject({
      code: "CASE_PRIORITY",
      message: "priority 50: use one of -1, 40, 60, 80, 100",
    });
    await expect(setCaseStatus(store, caseId, "archived", "ada")).rejects.toMatchObject({
      code: "CASE_STATUS",
      message: 'status "archived": use one of open, in_progress, closed',
    });
    await expect(setCasePriority(store, caseId + 1, 80, "ada")).rejects.toMatchObject({ code: "CASE_NOT_FOUND" });
    await expect(addCaseComment(store, caseId, "ada", " \n ")).rejects.toMatchObject({ code: "CASE_COMMENT" });
    await expect(addCaseComment(store, caseId + 1, "ada", "hello")).rejects.toMatchObject({ code: "CASE_NOT_FOUND" });
    expect(await caseHistory(store, caseId)).toEqual([]);
    expect(await store.db.selectFrom("case_comments").selectAll().execute()).toEqual([]);
  });

  it("changes the priority and records who, from and to; adds a comment with who", async () => {
    await addCaseComment(store, caseId, "ada", "looks like a campaign");
    expect(await store.db.selectFrom("case_comments").select(["case_id", "user_name", "body"]).execute()).toEqual([
      { case_id: caseId, user_name: "ada", body: "looks like a campaign" },
    ]);
    await setCasePriority(store, caseId, 100, "ada");
    await setCaseStatus(store, caseId, "closed", "bob", "contained");
    const row = await store.db
      .selectFrom("cases")
      .select(["priority", "status", "closed_reason", "updated_at"])
      .where("id", "=", caseId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ priority: 100, status: "closed", closed_reason: "contained" });
    expect(row.updated_at).toBeGreaterThan(1);
    expect((await caseHistory(store, caseId)).map((h) => [h.action, h.actor, h.detail])).toEqual([
      ["priority", "ada", { from: "60", to: "100" }],
      ["status", "bob", { from: "open", to: "closed", reason: "contained" }],
    ]);
  });
});
