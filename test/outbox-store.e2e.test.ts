// The outbox's store on SQLite and PostgreSQL (migration 0016): a key and recipient staged twice is one
// row; a row left `sending` by a dead sender before its DATA is tried again, after it is given up.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listOutbox, saveReplyTemplate, sendDueMail, SENDING_LEASE_MS, stageOutbox } from "../src/platform/outbox/index.js";
import { openStore, type Store } from "../src/platform/store/index.js";
import { startPostgres, type Postgres } from "./support/postgres.js";

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.stop());

const email = (to: string) => ({ to, subject: "Re: hi", text: "thanks", onceKey: "reply-to-reporter:r1" });

async function check(store: Store): Promise<void> {
  const origin = { caseId: 1, actionRunId: 1, idempotencyKey: "run:1:reply", integration: "email" };
  expect(await store.db.transaction().execute((trx) => stageOutbox(trx, origin, [email("a@x.test"), email("b@x.test")]))).toBe(2);
  // A rerun: another run's key, the same report and recipients.
  expect(
    await store.db
      .transaction()
      .execute((trx) => stageOutbox(trx, { ...origin, actionRunId: 2, idempotencyKey: "run:2:reply" }, [email("A@x.test")])),
  ).toBe(0);
  const [b, a] = await listOutbox(store);
  expect([a!.recipient, b!.recipient]).toEqual(["a@x.test", "b@x.test"]);
  // Two senders died: one before handing the message over, one after.
  const long = Date.now() - SENDING_LEASE_MS - 1000;
  await store.db
    .updateTable("outbox")
    .set({ status: "sending", claimed_at: long, next_attempt_at: Date.now() + 3600_000 })
    .execute();
  await store.db.updateTable("outbox").set({ data_at: long }).where("id", "=", b!.id).execute();
  // No SMTP server is configured: the retried row fails with SMTP_NOT_CONFIGURED and waits; the other stays given up.
  const summary = await sendDueMail(store, { backoffMs: 1000 });
  expect(summary).toEqual({ sent: 0, failed: 1, givenUp: 0 });
  const after = await listOutbox(store);
  expect(after.map((entry) => [entry.recipient, entry.status, entry.attemptLog.map((attempt) => attempt.outcome)])).toEqual([
    ["b@x.test", "given_up", ["interrupted"]],
    ["a@x.test", "retrying", ["interrupted", "failed"]],
  ]);
  expect(after[0]!.lastError).toMatch(/^OUTBOX_INTERRUPTED: .*not sent again/);
  expect(after[1]!.lastError).toMatch(/^SMTP_NOT_CONFIGURED: .*"SMTP Server Address"/);
  expect((await saveReplyTemplate(store, "unknown", "ko", { subject: "s", text: "t {{case.id}}", html: "" }, "ada")).edited).toBe(true);
}

describe("the outbox's store", () => {
  it("on SQLite", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-outbox-"));
    const store = await openStore(path.join(dir, "intake.db"));
    try {
      await check(store);
    } finally {
      await store.close();
    }
  });

  it("on PostgreSQL", async () => {
    const store = await openStore(postgres.createDatabase("outbox"));
    try {
      await check(store);
    } finally {
      await store.close();
    }
  });
});
