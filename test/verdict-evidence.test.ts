// Verdict evidence (issue 28): what an action hands over is checked and kept with the verdict and its history,
// shown by the API and the CLI; earlier cases say what their verdict rests on (a person, a feed, the machine);
// domain prevalence counts earlier cases by verdict through the value-hash index. SQLite and PostgreSQL.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PREVALENCE_DOMAINS, MAX_VERDICT_EVIDENCE, type VerdictEvidence } from "../src/sdk/index.js";
import {
  applyCaseUpdates,
  caseServices,
  caseVerdict,
  findEarlierCases,
  overrideVerdict,
  setCaseStatus,
  verdictHistory,
} from "../src/platform/cases/index.js";
import { lookupIndicators } from "../src/platform/intel/index.js";
import { checkResult } from "../src/platform/actions/index.js";
import { openStore, valueHash, type Store } from "../src/platform/store/index.js";
import { standInExecution } from "./support/engine-action-execution.js";
import { insertCaseWithEntities } from "./support/seed.js";
import { requestAs, startApi, type ApiFixture } from "./support/api.js";
import { makeWorkspace } from "./support/cli.js";
import { startPostgres, type Postgres } from "./support/postgres.js";

let postgres: Postgres | undefined;
afterAll(() => postgres?.stop());

const FEED_ITEM: VerdictEvidence = {
  kind: "feed",
  weight: 60,
  reason: "URL hxxp://evil[.]test/a in URLhaus",
  indicator: "hxxp://evil[.]test/a",
  feed: "urlhaus",
  reliability: "B",
};
const SIGNAL_ITEM: VerdictEvidence = { kind: "signal", weight: -10, reason: "DMARC pass at our MX" };

function execution(caseId = 1) {
  const asked: { service: string; payload: unknown }[] = [];
  const action = standInExecution({
    caseId,
    askPlatform: async (service: string, payload: unknown) => {
      asked.push({ service, payload });
      return service === "lists.get" ? ["a.test"] : {};
    },
  });
  return { action, asked };
}

describe("the SDK's verdict evidence", () => {
  it("stages evidence bounded, with its known fields only", () => {
    const { action } = execution();
    const many = Array.from(
      { length: MAX_VERDICT_EVIDENCE + 20 },
      (_, i) => ({ ...SIGNAL_ITEM, reason: `r${i}`, extra: "dropped" }) as VerdictEvidence,
    );
    action.setCaseVerdict({ value: "suspicious", reasons: ["r"], evidence: [{ ...FEED_ITEM, reason: "x".repeat(900) }, ...many] });
    const staged = action.takeResult().caseUpdates!.verdict!;
    expect(staged.evidence).toHaveLength(MAX_VERDICT_EVIDENCE);
    expect(staged.evidence![0]!.reason).toHaveLength(500);
    expect(staged.evidence![1]).toEqual({ kind: "signal", weight: -10, reason: "r0" });
    expect(() => action.setCaseVerdict({ value: "malicious", reasons: [], evidence: [{ ...SIGNAL_ITEM, weight: Number.NaN }] })).toThrow(
      "weight is a number",
    );
    expect(() => action.setCaseVerdict({ value: "malicious", reasons: [], evidence: [{ ...SIGNAL_ITEM, caseId: 1.5 }] })).toThrow(
      "caseId is a case number",
    );
  });

  it("is accepted from an action's process only when it validates", () => {
    const result = (evidence: unknown) =>
      checkResult({
        state: "completed",
        message: "",
        resultValue: "malicious",
        json: null,
        entityUpdates: [],
        insights: [],
        caseUpdates: { verdict: { value: "malicious", reasons: ["r"], evidence } },
      });
    expect(result([FEED_ITEM, SIGNAL_ITEM]).result?.caseUpdates?.verdict?.evidence).toEqual([FEED_ITEM, SIGNAL_ITEM]);
    expect(result([{ ...FEED_ITEM, kind: "rumour" }]).problem).toContain("caseUpdates.verdict.evidence.0.kind");
    expect(result([{ ...FEED_ITEM, caseId: -1 }]).problem).toContain("caseUpdates.verdict.evidence.0.caseId");
    expect(result(Array.from({ length: MAX_VERDICT_EVIDENCE + 1 }, () => SIGNAL_ITEM)).problem).toContain("caseUpdates.verdict.evidence");
  });

  it("asks the platform for prevalence and lists under their service names, bounded", async () => {
    const { action, asked } = execution(7);
    await action.domainPrevalence(["evil.test"]);
    expect(await action.getCustomList("Shorteners")).toEqual(["a.test"]);
    expect(asked).toEqual([
      { service: "cases.prevalence", payload: { caseId: 7, domains: ["evil.test"] } },
      { service: "lists.get", payload: { name: "Shorteners" } },
    ]);
    await expect(action.domainPrevalence(Array.from({ length: MAX_PREVALENCE_DOMAINS + 1 }, () => "a.test"))).rejects.toThrow(
      "at most 200 domains",
    );
  });
});

describe.each(["sqlite", "postgres"])("verdict evidence in the store (%s)", (dialect) => {
  let store: Store;
  beforeAll(async () => {
    if (dialect === "postgres") {
      postgres ??= await startPostgres();
      // Every migration, 0018 included, on a PostgreSQL database.
      store = await openStore(postgres.createDatabase("evidence"));
    } else {
      store = await openStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "intake-evidence-")), "intake.db"));
    }
  }, 120_000);
  afterAll(() => store?.close());

  it("keeps an action's evidence with the verdict and in its history; an analyst's override keeps none", async () => {
    const id = await insertCaseWithEntities(store.db, "evidence", [["URL", "http://evil.test/a"]]);
    await store.db.transaction().execute((trx) =>
      applyCaseUpdates(
        trx,
        id,
        {
          verdict: { value: "malicious", score: 90, reasons: [FEED_ITEM.reason, SIGNAL_ITEM.reason], evidence: [FEED_ITEM, SIGNAL_ITEM] },
        },
        "playbook:phishing-triage",
      ),
    );
    expect(await caseVerdict(store, id)).toMatchObject({
      value: "malicious",
      evidence: [FEED_ITEM, SIGNAL_ITEM],
      setBy: "playbook:phishing-triage",
    });
    await overrideVerdict(store, id, "benign", "newsletter we subscribed to", "ada");
    expect(await caseVerdict(store, id)).toMatchObject({ value: "benign", evidence: [], overridden: true });
    expect((await verdictHistory(store, id)).map((entry) => [entry.value, entry.evidence])).toEqual([
      ["malicious", [FEED_ITEM, SIGNAL_ITEM]],
      ["benign", []],
    ]);
    // A verdict without evidence (an older action) reads as an empty list.
    const plain = await insertCaseWithEntities(store.db, "plain", []);
    await store.db
      .transaction()
      .execute((trx) => applyCaseUpdates(trx, plain, { verdict: { value: "unknown", reasons: [] } }, "playbook:p"));
    expect((await caseVerdict(store, plain))!.evidence).toEqual([]);
  });

  it("refuses evidence that does not validate, naming the item, and stores nothing of it", async () => {
    const id = await insertCaseWithEntities(store.db, "refused", []);
    const apply = (evidence: unknown) =>
      store.db
        .transaction()
        .execute((trx) =>
          applyCaseUpdates(
            trx,
            id,
            { verdict: { value: "malicious", reasons: [], evidence: evidence as VerdictEvidence[] } },
            "playbook:p",
          ),
        );
    await expect(apply([{ ...FEED_ITEM, kind: "rumour" }])).rejects.toMatchObject({
      code: "CASE_VERDICT",
      message: expect.stringContaining("verdict evidence 0.kind"),
    });
    await expect(apply([{ ...FEED_ITEM, reliability: "Z" }])).rejects.toMatchObject({
      code: "CASE_VERDICT",
      message: expect.stringContaining("0.reliability"),
    });
    await expect(apply([SIGNAL_ITEM, { ...SIGNAL_ITEM, reason: "x".repeat(501) }])).rejects.toMatchObject({
      message: expect.stringContaining("1.reason"),
    });
    await expect(apply([{ ...SIGNAL_ITEM, html: "<b>" }])).rejects.toMatchObject({ code: "CASE_VERDICT" });
    await expect(apply([{ ...SIGNAL_ITEM, weight: 1e9 }])).rejects.toMatchObject({ message: expect.stringContaining("0.weight") });
    await expect(apply(Array.from({ length: MAX_VERDICT_EVIDENCE + 1 }, () => SIGNAL_ITEM))).rejects.toMatchObject({
      code: "CASE_VERDICT",
    });
    await expect(apply("all of it")).rejects.toMatchObject({ code: "CASE_VERDICT" });
    expect(await caseVerdict(store, id)).toBeNull();
    expect(await verdictHistory(store, id)).toEqual([]);
  });

  it("says what each earlier verdict rests on: a person, a feed, or the machine", async () => {
    const url = "http://shared.test/x";
    const overridden = await insertCaseWithEntities(store.db, "overridden", [["URL", url]]);
    await store.db
      .transaction()
      .execute((trx) => applyCaseUpdates(trx, overridden, { verdict: { value: "suspicious", reasons: [] } }, "playbook:p"));
    await overrideVerdict(store, overridden, "malicious", "confirmed by phone", "ada");
    const closedByPerson = await insertCaseWithEntities(store.db, "closed by a person", [["URL", url]]);
    await store.db
      .transaction()
      .execute((trx) => applyCaseUpdates(trx, closedByPerson, { verdict: { value: "malicious", reasons: [] } }, "playbook:p"));
    await setCaseStatus(store, closedByPerson, "closed", "bob", "phish, blocked");
    const closedByPlaybook = await insertCaseWithEntities(store.db, "closed by a playbook", [["URL", url]]);
    await store.db
      .transaction()
      .execute((trx) =>
        applyCaseUpdates(trx, closedByPlaybook, { verdict: { value: "malicious", reasons: [] }, close: { reason: "rule" } }, "playbook:p"),
      );
    const unknownClosed = await insertCaseWithEntities(store.db, "unknown closed by a person", [["URL", url]]);
    await store.db
      .transaction()
      .execute((trx) => applyCaseUpdates(trx, unknownClosed, { verdict: { value: "unknown", reasons: [] } }, "playbook:p"));
    await setCaseStatus(store, unknownClosed, "closed", "bob", "nothing to see");
    const byFeed = await insertCaseWithEntities(store.db, "feed", [["URL", url]]);
    await store.db
      .transaction()
      .execute((trx) =>
        applyCaseUpdates(trx, byFeed, { verdict: { value: "malicious", reasons: [], evidence: [SIGNAL_ITEM, FEED_ITEM] } }, "playbook:p"),
      );
    const feedAgainst = await insertCaseWithEntities(store.db, "feed item that subtracted", [["URL", url]]);
    await store.db
      .transaction()
      .execute((trx) =>
        applyCaseUpdates(
          trx,
          feedAgainst,
          { verdict: { value: "suspicious", reasons: [], evidence: [{ ...FEED_ITEM, weight: -5 }] } },
          "playbook:p",
        ),
      );
    const none = await insertCaseWithEntities(store.db, "no verdict", [["URL", url]]);
    const current = await insertCaseWithEntities(store.db, "now", [["URL", url]]);

    const found = await findEarlierCases(store, { caseId: current, items: [{ entityType: "URL", identifier: url }] });
    const grounds = Object.fromEntries(found.map((item) => [item.title, item.verdict && [item.verdict.grounds, item.verdict.decidedBy]]));
    expect(grounds).toEqual({
      overridden: ["analyst", "analyst ada"],
      "closed by a person": ["analyst", "analyst bob"],
      "closed by a playbook": ["machine", "playbook:p"],
      "unknown closed by a person": ["machine", "playbook:p"],
      feed: ["feed", "feed urlhaus"],
      "feed item that subtracted": ["machine", "playbook:p"],
      "no verdict": null,
    });
    expect(found.map((item) => item.caseId)).toEqual([
      none,
      feedAgainst,
      byFeed,
      unknownClosed,
      closedByPlaybook,
      closedByPerson,
      overridden,
    ]);
  });

  it("counts the earlier cases of each domain by verdict, bounded and validated", async () => {
    const domain = "prevalent.test";
    const malicious = await insertCaseWithEntities(store.db, "p1", [
      ["DOMAIN", domain],
      ["DOMAIN", "other.test"],
    ]);
    await store.db
      .transaction()
      .execute((trx) => applyCaseUpdates(trx, malicious, { verdict: { value: "malicious", reasons: [] } }, "playbook:p"));
    const benign = await insertCaseWithEntities(store.db, "p2", [["DOMAIN", domain]]);
    await store.db
      .transaction()
      .execute((trx) => applyCaseUpdates(trx, benign, { verdict: { value: "benign", reasons: [] } }, "playbook:p"));
    const unjudged = await insertCaseWithEntities(store.db, "p3", [["DOMAIN", domain]]);
    // Twice in one case counts once; a URL or a subdomain entity is not the DOMAIN entity.
    await store.db
      .insertInto("entities")
      .values({
        alert_pk: 1,
        case_id: unjudged,
        type: "DOMAIN",
        value: domain,
        value_hash: valueHash(domain),
        source: "text",
        role: null,
        depth: 0,
        data: "{}",
      })
      .execute();
    await insertCaseWithEntities(store.db, "p4", [
      ["URL", `http://${domain}/`],
      ["DOMAIN", `mail.${domain}`],
    ]);
    // A case merged away (no alerts left) is an empty shell: not counted.
    const merged = await insertCaseWithEntities(store.db, "p5", [["DOMAIN", domain]]);
    await store.db.updateTable("cases").set({ alert_count: 0 }).where("id", "=", merged).execute();
    const current = await insertCaseWithEntities(store.db, "now", [["DOMAIN", domain]]);
    const later = await insertCaseWithEntities(store.db, "later", [["DOMAIN", domain]]);
    await store.db
      .transaction()
      .execute((trx) => applyCaseUpdates(trx, later, { verdict: { value: "malicious", reasons: [] } }, "playbook:p"));

    const prevalence = caseServices(store)["cases.prevalence"]!;
    expect(await prevalence({ caseId: current, domains: [domain, "Prevalent.TEST ", "other.test", "never.test", ""] })).toEqual({
      [domain]: { cases: 3, malicious: 1, benign: 1 },
      "Prevalent.TEST ": { cases: 3, malicious: 1, benign: 1 },
      "other.test": { cases: 1, malicious: 1, benign: 0 },
      "never.test": { cases: 0, malicious: 0, benign: 0 },
      "": { cases: 0, malicious: 0, benign: 0 },
    });
    await expect(prevalence({ caseId: current, domains: Array.from({ length: 201 }, () => domain) })).rejects.toMatchObject({
      code: "VALIDATION",
      message: expect.stringContaining("cases.prevalence: domains"),
    });
    await expect(prevalence({ caseId: current, domains: ["x".repeat(254)] })).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(prevalence({ caseId: current, domains: [domain], extra: 1 })).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(prevalence({ domains: [domain] })).rejects.toMatchObject({ code: "VALIDATION" });
    if (dialect === "sqlite") {
      // The entity read goes through the value-hash index, never a scan of every entity.
      const plan = store
        .sqlite!.prepare(
          "explain query plan select distinct case_id from entities " +
            "where type = 'DOMAIN' and value_hash = ? and value = ? and case_id < ? order by case_id desc limit 2000",
        )
        .all(valueHash(domain), domain, current) as { detail: string }[];
      expect(plan.map((row) => row.detail).join(" ")).toContain("entities_value_hash");
    }
  });

  it("gives each feed match its feed's reliability", async () => {
    const feed = await store.db
      .insertInto("feeds")
      .values({
        name: "urlhaus",
        format: "urlhaus",
        source: "/dev/null",
        interval_seconds: 3600,
        indicators: 1,
        refreshed_at: null,
        error: null,
        error_at: null,
        created_at: 1,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await store.db
      .insertInto("indicators")
      .values({
        feed_id: Number(feed.id),
        kind: "domain",
        value: "listed.test",
        value_hash: valueHash("listed.test"),
        shown: "listed.test",
        threat: null,
        tags: null,
        first_seen: 1,
        last_seen: 1,
      })
      .execute();
    expect(
      (await lookupIndicators(store, [{ entityType: "DOMAIN", identifier: "listed.test" }])).map((match) => [
        match.feed,
        match.reliability,
      ]),
    ).toEqual([["urlhaus", "C"]]);
    await store.db.updateTable("feeds").set({ reliability: "A" }).where("id", "=", feed.id).execute();
    expect(
      (await lookupIndicators(store, [{ entityType: "DOMAIN", identifier: "listed.test" }])).map((match) => match.reliability),
    ).toEqual(["A"]);
  });
});

describe("verdict evidence through the API and the CLI", () => {
  const ws = makeWorkspace();
  let fixture: ApiFixture;
  let id: number;
  beforeAll(async () => {
    fixture = await startApi("intake-evidence-api-", { database: ws.db });
    id = await insertCaseWithEntities(fixture.store.db, "api", [["URL", "http://evil.test/a"]]);
    await fixture.store.db
      .transaction()
      .execute((trx) =>
        applyCaseUpdates(
          trx,
          id,
          { verdict: { value: "malicious", score: 90, reasons: [FEED_ITEM.reason], evidence: [FEED_ITEM] } },
          "playbook:phishing-triage",
        ),
      );
  });
  afterAll(async () => {
    await fixture?.app.close();
    await fixture?.store.close();
  });

  it("shows the evidence in the case's verdict, and an override's as none", async () => {
    const shown = (await requestAs(fixture.app, fixture.analyst, "GET", `/api/cases/${id}`)).json();
    expect(shown.verdictInfo).toMatchObject({ value: "malicious", evidence: [FEED_ITEM] });
    expect(shown.verdictHistory[0].evidence).toEqual([FEED_ITEM]);
    const overridden = await requestAs(fixture.app, fixture.analyst, "POST", `/api/cases/${id}/verdict`, {
      value: "suspicious",
      reason: "checking with the sender",
    });
    expect(overridden.statusCode, overridden.body).toBe(200);
    expect(overridden.json().verdictInfo).toMatchObject({ value: "suspicious", evidence: [], overridden: true });
    expect(overridden.json().verdictHistory.map((entry: { evidence: unknown }) => entry.evidence)).toEqual([[FEED_ITEM], []]);
  });

  it("prints the evidence in intake cases verdict CASE", async () => {
    const result = await ws.intake(["cases", "verdict", String(id)]);
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as { verdict: { evidence: unknown }; history: { evidence: unknown }[] };
    expect(printed.verdict.evidence).toEqual([]);
    expect(printed.history.map((entry) => entry.evidence)).toEqual([[FEED_ITEM], []]);
  }, 60_000);
});
