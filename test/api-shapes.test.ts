// The API's answers hold to the shapes the console's types are derived from (src/server/api-shapes.ts): a case with
// its alert, entities, comment and verdict, a connector, a run, a feed, a playbook and a worker, read as the console does.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { requestAs, startApi, type ApiFixture } from "./support/api.js";
import { PROJECT_ROOT } from "./support/cli.js";
import {
  caseDetailShape,
  caseListShape,
  connectorViewShape,
  feedShape,
  integrationShape,
  playbookSummaryShape,
  runListShape,
  timelineShape,
  userShape,
  workerRowShape,
} from "../src/server/api-shapes.js";
import { valueHash } from "../src/platform/store/index.js";
import { saveConnector } from "../src/platform/catalog/index.js";
import { addCaseComment, overrideVerdict } from "../src/platform/cases/index.js";
import { savePlaybook, type ActionLookup } from "../src/platform/playbooks/index.js";
import { insertAlert } from "./support/seed.js";

const FEEDS = path.join(PROJECT_ROOT, "test/fixtures/feeds");
let fixture: ApiFixture;
let caseId: number;
const get = async (url: string) => {
  const response = await requestAs(fixture.app, fixture.admin, "GET", url);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as unknown;
};
/** The answer parsed by the shape: a field the console reads that is missing or of another type fails here. */
const holds = <S extends z.ZodType>(shape: S, value: unknown): z.infer<S> => {
  const result = shape.safeParse(value);
  expect(result.error?.issues ?? [], JSON.stringify(value).slice(0, 2000)).toEqual([]);
  return result.data as z.infer<S>;
};

beforeAll(async () => {
  process.env.INTAKE_FILE_ROOTS = FEEDS;
  fixture = await startApi("intake-api-shapes-");
  const { store } = fixture;
  await saveConnector(store, {
    name: "mail",
    integration: "email",
    parameters: { Username: "u", Password: "p", "IMAP Server Address": "127.0.0.1", "IMAP Port": 1 },
  });
  const connector = await store.db.selectFrom("connectors").select("id").where("name", "=", "mail").executeTakeFirstOrThrow();
  const now = Date.now();
  const run = await store.db
    .insertInto("runs")
    .values({
      connector_id: connector.id,
      is_test: 0,
      status: "succeeded",
      started_at: now,
      finished_at: now,
      error: null,
      logs: "[]",
      owner: "test",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  caseId = (
    await store.db
      .insertInto("cases")
      .values({ title: "Invoice overdue", priority: 60, status: "open", environment: "", created_at: now, updated_at: now })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  const alertPk = await insertAlert(
    store.db,
    {
      case_id: caseId,
      connector_id: connector.id,
      run_id: run.id,
      alert_id: "shape-1",
      ticket_id: "shape-1",
      name: "Invoice overdue",
      created_at: now,
    },
    {},
  );
  const entity = (type: string, value: string, role: "sender" | "reporter" | null) => ({
    alert_pk: alertPk,
    case_id: caseId,
    type,
    value,
    value_hash: valueHash(value),
    source: "seeded",
    role,
    depth: 0,
    data: "{}",
  });
  await store.db
    .insertInto("entities")
    .values([
      entity("URL", "https://invoice.test/pay", null),
      entity("EMAIL_ADDRESS", "billing@invoice.test", "sender"),
      entity("EMAIL_ADDRESS", "staff@company.test", "reporter"),
    ])
    .execute();
  await addCaseComment(store, caseId, "ada", "looks like the usual invoice scam");
  await overrideVerdict(store, caseId, "malicious", "the link is a known payment phish", "ada");
  await store.db
    .insertInto("workers")
    .values({
      id: "worker-1",
      host: "host-a",
      pid: 4242,
      concurrency: 2,
      started_at: now,
      heartbeat_at: now,
      stopped_at: null,
      runs_active: 0,
    })
    .execute();
  const findAction: ActionLookup = async () => ({ parameters: [] as never });
  await savePlaybook(
    store,
    { name: "triage", trigger: { event: "case_created", priority: 60 }, steps: [{ id: "look", action: "test/Echo" }] },
    { findAction },
  );
  const feed = await requestAs(fixture.app, fixture.admin, "POST", "/api/feeds", {
    name: "openphish",
    format: "openphish",
    source: path.join(FEEDS, "openphish.txt"),
  });
  expect(feed.statusCode, feed.body).toBe(200);
});
afterAll(async () => {
  await fixture?.close();
  delete process.env.INTAKE_FILE_ROOTS;
});

describe("the API's answers and the console's shapes", () => {
  it("GET /session holds the user's shape", async () => {
    holds(userShape, ((await get("/api/session")) as { user: unknown }).user);
  });

  it("the case queue, a case with its alert, entities, comment and verdict, and its timeline", async () => {
    const list = holds(caseListShape, await get("/api/cases"));
    expect(list.cases.map((row) => [row.id, row.sender, row.urls])).toEqual([[caseId, "billing@invoice.test", 1]]);
    const detail = holds(caseDetailShape, await get(`/api/cases/${caseId}`));
    expect(detail.alerts[0]?.entities.map((item) => item.role)).toEqual([null, "sender", "reporter"]);
    expect([detail.verdictInfo?.value, detail.comments.length]).toEqual(["malicious", 1]);
    holds(timelineShape, await get(`/api/cases/${caseId}/history`));
  });

  it("integrations, connectors, runs, workers, feeds and playbooks", async () => {
    const { integrations } = (await get("/api/integrations")) as { integrations: unknown[] };
    expect(integrations.length).toBeGreaterThan(0);
    for (const integration of integrations) holds(integrationShape, integration);
    const { connectors } = (await get("/api/connectors")) as { connectors: unknown[] };
    expect(connectors.map((view) => holds(connectorViewShape, view).name)).toEqual(["mail"]);
    holds(connectorViewShape, await get("/api/connectors/mail"));
    expect(holds(runListShape, await get("/api/runs")).runs.map((row) => row.connector)).toEqual(["mail"]);
    const { workers } = (await get("/api/workers")) as { workers: unknown[] };
    expect(workers.map((row) => holds(workerRowShape, row).id)).toEqual(["worker-1"]);
    expect(((await get("/api/feeds")) as unknown[]).map((row) => holds(feedShape, row).format)).toEqual(["openphish"]);
    expect(((await get("/api/playbooks")) as unknown[]).map((row) => holds(playbookSummaryShape, row).trigger)).toEqual([
      { event: "case_created", priority: 60 },
    ]);
  });

  it("the OpenAPI document lists the shapes as components", async () => {
    const document = (await get("/api/openapi.json")) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(["CaseSummary", "CaseDetail", "ConnectorView", "RunRow", "Feed", "PlaybookSummary"]),
    );
    expect(Object.keys(document.components.schemas.CaseSummary?.properties ?? {})).toContain("verdict_score");
  });
});
