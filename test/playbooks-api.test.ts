// The playbooks API through fastify.inject on a real SQLite file: list, read, save refused with every
// problem, delete (admin only), a case's runs with their steps, approval recorded with who and when.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestAs, startApi, type ApiFixture } from "./support/api.js";
import path from "node:path";
import { importIntegration } from "../src/platform/catalog/index.js";
import { PROJECT_ROOT } from "./support/cli.js";
import { createExecutor, savePlaybook, sweepTriggers, type ActionLookup, type RunActionFunction } from "../src/platform/playbooks/index.js";

let fixture: ApiFixture;
let caseId: number;
const findAction: ActionLookup = async (reference) =>
  reference === "test/Echo" ? { parameters: [{ name: "Value", type: "string", required: false }] as never } : undefined;
// Engine only: the real actions run in the e2e test.
const runAction: RunActionFunction = async (_store, request) => ({
  actionRunId: null,
  status: "completed",
  resultValue: String(request.params?.Value ?? ""),
  message: "ok",
  json: { echoed: request.params?.Value ?? null },
  logs: [{ level: "info", message: "echoed", time: Date.now() }],
  startedAt: Date.now(),
  finishedAt: Date.now(),
});
const as = (...args: Parameters<typeof requestAs> extends [unknown, ...infer Rest] ? Rest : never) => requestAs(fixture.app, ...args);

beforeAll(async () => {
  fixture = await startApi("intake-playbooks-api-");
  await savePlaybook(
    fixture.store,
    {
      name: "ask first",
      trigger: { event: "case_created" },
      steps: [
        { id: "echo", action: "test/Echo", params: { Value: "[Case.Title]" } },
        {
          id: "block",
          action: "test/Echo",
          params: { Value: "[Step.echo.ResultValue]!" },
          approval: { prompt: "Block the sender?", timeoutMinutes: 60, onTimeout: "reject" },
        },
      ],
    },
    { findAction },
  );
  const now = Date.now();
  caseId = (
    await fixture.store.db
      .insertInto("cases")
      .values({ title: "Wire transfer", priority: 60, status: "open", environment: "", created_at: now, updated_at: now })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  const executor = createExecutor(fixture.store, { runAction });
  await sweepTriggers(fixture.store, executor);
  await executor.drain();
});
afterAll(() => fixture?.close());

describe("playbooks API", () => {
  it("lists and reads playbooks when signed in only", async () => {
    expect((await as(undefined, "GET", "/api/playbooks")).statusCode).toBe(401);
    const list = await as(fixture.analyst, "GET", "/api/playbooks");
    expect(list.json()).toEqual([
      expect.objectContaining({ name: "ask first", enabled: true, steps: 2, trigger: { event: "case_created" } }),
    ]);
    const one = await as(fixture.analyst, "GET", `/api/playbooks/${encodeURIComponent("ask first")}`);
    expect(one.json()).toMatchObject({ name: "ask first", definition: { steps: [{ id: "echo" }, { id: "block" }] }, parameters: {} });
    expect((await as(fixture.analyst, "GET", "/api/playbooks/none")).json()).toMatchObject({ error: { code: "PLAYBOOK_NOT_FOUND" } });
  });

  it("saves a playbook of the platform's own actions, found as findAction finds them, and deletes it", async () => {
    await importIntegration(fixture.store, path.join(PROJECT_ROOT, "test", "fixtures", "playbook-tools"), { typeCheck: false });
    const body = {
      trigger: { event: "case_created", priority: 80 },
      steps: [{ id: "look", action: "playbook-tools/lookup", params: { Limit: "2" } }],
    };
    const saved = await as(fixture.admin, "PUT", "/api/playbooks/look", body);
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ name: "look", enabled: true, steps: 1, trigger: { priority: 80 } });
    const refused = await as(fixture.admin, "PUT", "/api/playbooks/look", {
      ...body,
      steps: [{ id: "look", action: "playbook-tools/lookup", params: { Limit: "two", Colour: "x" } }],
    });
    expect(refused.json().problems).toEqual([
      'step "look": unknown parameter "Colour" of playbook-tools/lookup (known: Limit)',
      'step "look": parameter "Limit" must be an integer, got "two"',
    ]);
    expect((await as(fixture.admin, "DELETE", "/api/playbooks/look")).json()).toEqual({ deleted: "look" });
    expect((await as(fixture.admin, "GET", "/api/playbooks/look")).statusCode).toBe(404);
  });

  it("refuses a save by an analyst, and an invalid playbook with every problem listed", async () => {
    const body = {
      trigger: { event: "case_created" },
      steps: [
        { id: "a", action: "x/Unknown" },
        { id: "b", action: "y/Unknown", params: { P: "[Step.c.ResultValue]" } },
      ],
    };
    expect((await as(fixture.analyst, "PUT", "/api/playbooks/new", body)).statusCode).toBe(403);
    const refused = await as(fixture.admin, "PUT", "/api/playbooks/new", body);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      error: { code: "PLAYBOOK_INVALID" },
      problems: [
        'step "a": unknown action "x/Unknown"',
        'step "b": parameter "P": [Step.c.ResultValue]: no step "c"',
        'step "b": unknown action "y/Unknown"',
      ],
    });
    expect((await as(fixture.admin, "PUT", "/api/playbooks/new", { ...body, name: "other" })).json()).toMatchObject({
      error: { code: "VALIDATION" },
    });
    expect((await as(fixture.analyst, "DELETE", "/api/playbooks/new")).statusCode).toBe(403);
    expect((await as(fixture.admin, "DELETE", "/api/playbooks/new")).json()).toMatchObject({ error: { code: "PLAYBOOK_NOT_FOUND" } });
  });

  it("shows a case's runs with inputs after placeholders, and records who approved", async () => {
    const runs = (await as(fixture.analyst, "GET", `/api/cases/${caseId}/playbook-runs`)).json();
    expect(runs).toMatchObject([
      {
        playbook: "ask first",
        status: "running",
        steps: [
          {
            id: "echo",
            status: "completed",
            inputs: { Value: "Wire transfer" },
            resultValue: "Wire transfer",
            json: { echoed: "Wire transfer" },
            logs: [{ message: "echoed" }],
          },
          { id: "block", status: "waiting_approval", approval: { prompt: "Block the sender?", decision: null, by: null } },
        ],
      },
    ]);
    const runId = runs[0].id as number;
    expect((await as(fixture.analyst, "POST", `/api/playbook-runs/${runId}/steps/block/approval`, { decision: "maybe" })).statusCode).toBe(
      400,
    );
    expect(
      (await as(fixture.analyst, "POST", `/api/playbook-runs/${runId}/steps/echo/approval`, { decision: "approve" })).json(),
    ).toMatchObject({ error: { code: "PLAYBOOK_APPROVAL" } });
    expect(
      (await as(fixture.analyst, "POST", `/api/playbook-runs/${runId + 1}/steps/block/approval`, { decision: "approve" })).json(),
    ).toMatchObject({ error: { code: "PLAYBOOK_RUN_NOT_FOUND" } });
    const approved = await as(fixture.analyst, "POST", `/api/playbook-runs/${runId}/steps/block/approval`, {
      decision: "approve",
      comment: "known bad",
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().steps[1].approval).toMatchObject({
      decision: "approve",
      by: "bob",
      comment: "known bad",
      at: expect.any(Number),
    });
    await createExecutor(fixture.store, { runAction }).drain();
    const after = (await as(fixture.analyst, "GET", `/api/cases/${caseId}/playbook-runs`)).json();
    expect(after[0]).toMatchObject({
      status: "completed",
      steps: [{ id: "echo" }, { id: "block", status: "completed", inputs: { Value: "Wire transfer!" } }],
    });
    expect((await as(fixture.analyst, "GET", "/api/cases/999999/playbook-runs")).json()).toMatchObject({
      error: { code: "CASE_NOT_FOUND" },
    });
  });

  it("configures a playbook's parameters (admin), refusing one left empty while its requiredWhen holds, naming both", async () => {
    const parameters = [
      { name: "Reply", type: "string", default: "true" },
      { name: "Domains", type: "string", default: "", requiredWhen: { param: "Reply", equals: "true" } },
      { name: "Language", type: "string", default: "en" },
    ];
    const steps = [{ id: "echo", action: "test/Echo", params: { Value: "[Playbook.Domains]" } }];
    // The defaults alone (Reply on, no domains) save: the condition is checked on what an admin sets.
    await savePlaybook(
      fixture.store,
      { name: "replies", enabled: false, trigger: { event: "case_created" }, parameters, steps },
      { findAction },
    );
    const wrongReference = await as(fixture.admin, "PUT", "/api/playbooks/replies", {
      trigger: { event: "case_created" },
      steps,
      parameters: [parameters[0], { ...parameters[1], requiredWhen: { param: "Replies", equals: "true" } }],
    });
    expect(wrongReference.statusCode).toBe(400);
    expect(JSON.stringify(wrongReference.json())).toContain('requiredWhen names \\"Replies\\", which is not another parameter of the list');

    const configure = (session: typeof fixture.admin | undefined, values: Record<string, unknown>) =>
      as(session, "PUT", "/api/playbooks/replies/parameters", { parameters: values });
    expect((await configure(undefined, { Domains: "corp.example" })).statusCode).toBe(401);
    expect((await configure(fixture.analyst, { Domains: "corp.example" })).statusCode).toBe(403);
    // Turning the condition on without the parameter is refused; a configuration that does not touch it is not
    // (the defaults alone stay usable, as at import).
    for (const values of [{ Reply: "true" }, { Reply: "TRUE", Domains: "   " }]) {
      const refused = await configure(fixture.admin, values);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toEqual({ code: "PARAM_INVALID", message: '"Domains" is required when "Reply" is "true"' });
    }
    expect((await as(fixture.admin, "GET", "/api/playbooks/replies")).json().parameters).toEqual({
      Reply: "true",
      Domains: "",
      Language: "en",
    });
    const untouched = await configure(fixture.admin, { Language: "ko" });
    expect(untouched.statusCode, untouched.body).toBe(200);
    expect(untouched.json().parameters).toEqual({ Reply: "true", Domains: "", Language: "ko" });
    const off = await configure(fixture.admin, { Reply: "false", Language: "ko" });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().parameters).toEqual({ Reply: "false", Domains: "", Language: "ko" });
    const on = await configure(fixture.admin, { Domains: "corp.example, corp.test" });
    expect(on.json().parameters).toEqual({ Reply: "true", Domains: "corp.example, corp.test", Language: "en" });
    expect((await configure(fixture.admin, { Colour: "red" })).json().error).toMatchObject({
      code: "PARAM_INVALID",
      message: expect.stringContaining('unknown parameter "Colour"'),
    });
    expect((await as(fixture.admin, "PUT", "/api/playbooks/none/parameters", { parameters: {} })).statusCode).toBe(404);
    expect((await as(fixture.admin, "PUT", "/api/playbooks/replies/parameters", { Domains: "x" })).json().error.code).toBe("VALIDATION");
  });
});
