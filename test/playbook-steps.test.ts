// The registry of playbook step kinds (src/platform/playbooks/steps): every kind complete, a step of no kind or of two
// refused with PLAYBOOK_INVALID naming the kinds; the "Wait For Reporter's Answer" kind on a real SQLite store: its
// checks, the answer's text made safe, ingest's claim of an answer, and a wait ended by an answer or by its time limit.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../src/platform/store/index.js";
import {
  claimNewAlert,
  createExecutor,
  listCaseRuns,
  savePlaybook,
  STEP_KINDS,
  sweepTriggers,
  validatePlaybook,
  type ActionLookup,
  type RunActionFunction,
} from "../src/platform/playbooks/index.js";
import { answerText, MAX_ANSWER_TEXT, threadIds } from "../src/platform/playbooks/steps/wait-for-answer.js";
import { IntakeError } from "../src/platform/errors.js";
import { insertAlert, insertCase, reportsConnectorId } from "./support/seed.js";

const findAction: ActionLookup = async (reference) =>
  reference.startsWith("test/") ? { parameters: [{ name: "Value", type: "string", required: false }] as never } : undefined;
const trigger = { event: "case_created", connector: "reports" } as const;

/** Echo: completes with its Value. */
const echo: RunActionFunction = async (_store, request) => {
  const now = Date.now();
  return {
    actionRunId: null,
    status: "completed",
    resultValue: String(request.params?.Value ?? ""),
    message: "ok",
    json: null,
    logs: [],
    startedAt: now,
    finishedAt: now,
  };
};

async function refusal(document: unknown): Promise<IntakeError> {
  const error = await validatePlaybook(document, findAction).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(IntakeError);
  return error as IntakeError;
}

describe("the registry of step kinds", () => {
  it("lists each kind once, each with a schema, validate, run and a label", () => {
    expect(STEP_KINDS.map((kind) => kind.key)).toEqual(["action", "parallel", "waitForAnswer"]);
    for (const kind of STEP_KINDS) {
      expect(typeof kind.schema.safeParse, kind.key).toBe("function");
      expect(typeof kind.validate, kind.key).toBe("function");
      expect(typeof kind.run, kind.key).toBe("function");
      expect(typeof kind.label, kind.key).toBe("function");
    }
    expect(new Set(STEP_KINDS.map((kind) => kind.name)).size).toBe(STEP_KINDS.length);
  });

  it("refuses a step of no known kind, or of two, with PLAYBOOK_INVALID naming the kinds", async () => {
    const unknown = await refusal({ name: "p", trigger, steps: [{ id: "nap", sleepSeconds: 5 }] });
    expect(unknown.toLine()).toBe(
      'PLAYBOOK_INVALID: playbook "p" has 1 problem(s): steps.0: an unknown kind of step: ' +
        'a step has one of "action", "parallel", "waitForAnswer"',
    );
    const both = await refusal({ name: "p", trigger, steps: [{ id: "x", action: "test/Echo", waitForAnswer: { timeoutMinutes: 5 } }] });
    expect(both.message).toContain('steps.0: a step of two kinds ("action" and "waitForAnswer")');
    // A known kind's own schema speaks for its fields, with their path.
    const field = await refusal({
      name: "p",
      trigger,
      steps: [
        { id: "a", action: "test/Echo" },
        { id: "w", waitForAnswer: { timeoutMinutes: 0 } },
      ],
    });
    expect(field.message).toMatch(/steps\.1\.waitForAnswer\.timeoutMinutes: /);
  });

  it("checks a wait's reply step and condition against earlier steps", async () => {
    const later = await refusal({
      name: "p",
      trigger,
      steps: [
        { id: "w", waitForAnswer: { timeoutMinutes: 5, replyStep: "reply" }, when: { step: "reply", equals: "1" } },
        { id: "reply", action: "test/Echo" },
      ],
    });
    expect(later.message).toContain('step "w": replyStep: step "reply" does not come earlier');
    expect(later.message).toContain('step "w": when: step "reply" does not come earlier');
    const saved = await validatePlaybook(
      {
        name: "p",
        trigger,
        steps: [
          { id: "reply", action: "test/Echo" },
          { id: "w", waitForAnswer: { timeoutMinutes: 5, replyStep: "reply" } },
        ],
      },
      findAction,
    );
    expect(saved.steps[1]).toEqual({ id: "w", waitForAnswer: { timeoutMinutes: 5, replyStep: "reply" } });
  });
});

describe("the answer's text and thread", () => {
  it("keeps the reporter's own words: the quoted mail, control, zero-width and direction characters dropped, the size capped", () => {
    expect(answerText("Yes\u202e I did\u200b.\u0007\r\n\r\nOn Mon, 7 Dec 2026, Security wrote:\r\n> our reply\r\n")).toBe("Yes I did.");
    expect(answerText("No.\n> quoted")).toBe("No.");
    expect(answerText("> only a quote")).toBe("> only a quote");
    expect(answerText(undefined)).toBe("");
    const long = answerText("x".repeat(MAX_ANSWER_TEXT * 10));
    expect(long).toHaveLength(MAX_ANSWER_TEXT + 1);
  });

  it("reads the Message-IDs of In-Reply-To and References", () => {
    expect(threadIds({ InReplyTo: "<a@x> junk", References: ["<b@x>", "<a@x>"] })).toEqual(["<a@x>", "<b@x>"]);
    expect(threadIds({ InReplyTo: "no id here" })).toEqual([]);
    expect(threadIds(undefined)).toEqual([]);
  });
});

describe("a wait on a real store", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "intake-steps-")), "intake.db"));
  });
  afterEach(() => store?.close());

  async function addCase(title: string): Promise<number> {
    // The connector the trigger names: its alert (connector 1, insertAlert's default) comes from it.
    await reportsConnectorId(store.db);
    const caseId = await insertCase(store.db, title);
    await addAlert(caseId, `a${caseId}`, { Subject: title });
    return caseId;
  }

  async function addAlert(caseId: number, alertId: string, event: Record<string, unknown>): Promise<void> {
    await insertAlert(
      store.db,
      { case_id: caseId, alert_id: alertId, vendor: "v", rule_generator: "r", environment: "Default" },
      { event_type: "e", data: JSON.stringify(event) },
    );
  }

  async function sentMail(caseId: number, messageId: string): Promise<void> {
    const now = Date.now();
    await store.db
      .insertInto("outbox")
      .values({
        case_id: caseId,
        action_run_id: null,
        dedupe_key: messageId,
        recipient: "alice@example.test",
        subject: "Re: report",
        body_text: "thanks",
        body_html: null,
        in_reply_to: null,
        reference_ids: null,
        language: "en",
        message_id: messageId,
        status: "sent",
        next_attempt_at: now,
        claimed_at: null,
        data_at: null,
        last_error: null,
        smtp_response: null,
        created_at: now,
        sent_at: now,
      })
      .execute();
  }

  const PLAYBOOK = {
    name: "ask",
    trigger,
    steps: [
      { id: "first", action: "test/Echo", params: { Value: "hello" } },
      { id: "answer", waitForAnswer: { timeoutMinutes: 60 } },
      { id: "after", action: "test/Echo", params: { Value: "[Step.answer.ResultValue]: [Step.answer.JsonResult.text]" } },
    ],
  };

  it("ends the wait when an answer in the thread of the case's mail joins the case; ingest's claim names that case", async () => {
    await savePlaybook(store, PLAYBOOK, { findAction });
    const caseId = await addCase("reported");
    const executor = createExecutor(store, { runAction: echo, findAction });
    await sweepTriggers(store, executor);
    await executor.drain();
    let [run] = await listCaseRuns(store, caseId);
    expect(run!.steps.map((step) => [step.id, step.kind, step.status])).toEqual([
      ["first", "action", "completed"],
      ["answer", "waitForAnswer", "waiting"],
    ]);
    expect(run!.steps[1]!.dueAt).toBeGreaterThan(Date.now() + 59 * 60_000);

    await sentMail(caseId, "<reply-1@intake.test>");
    // Not in the thread: no claim; in it: the case waiting.
    expect(await claimNewAlert(store.db, { name: "x", events: [{ InReplyTo: "<other@x>" }] })).toBeUndefined();
    expect(await claimNewAlert(store.db, { name: "x", events: [{ References: ["<r@x>", "<reply-1@intake.test>"] }] })).toEqual({
      caseId,
      reason: "the reporter's answer",
    });

    // Nothing yet: the sweep leaves it waiting.
    expect(await executor.sweep()).toBe(0);
    await addAlert(caseId, "answer-1", {
      InReplyTo: "<reply-1@intake.test>",
      SourceEmailAddress: "alice@example.test",
      ReplyText: "It was me.\n> quoted",
    });
    expect(await executor.sweep()).toBe(1);
    await executor.drain();
    [run] = await listCaseRuns(store, caseId);
    expect(run!.status).toBe("completed");
    expect(run!.steps[1]).toMatchObject({
      status: "completed",
      resultValue: "answered",
      json: { answered: true, text: "It was me.", from: "alice@example.test", alert: "answer-1" },
    });
    expect(run!.steps[2]).toMatchObject({ status: "completed", resultValue: "answered: It was me." });
  });

  it("ends the wait at its time limit with timed_out, which the next step reads", async () => {
    await savePlaybook(store, PLAYBOOK, { findAction });
    const caseId = await addCase("unanswered");
    const executor = createExecutor(store, { runAction: echo, findAction });
    await sweepTriggers(store, executor);
    await executor.drain();
    expect(await executor.sweep(Date.now() + 30 * 60_000)).toBe(0);
    expect(await executor.sweep(Date.now() + 61 * 60_000)).toBe(1);
    // A second sweeper finds nothing left to end.
    expect(await executor.sweep(Date.now() + 61 * 60_000)).toBe(0);
    await executor.drain();
    const [run] = await listCaseRuns(store, caseId);
    expect(run!.steps[1]).toMatchObject({ status: "completed", resultValue: "timed_out", json: { answered: false } });
    expect(run!.steps[2]).toMatchObject({ status: "completed", resultValue: "timed_out: " });
  });
});
