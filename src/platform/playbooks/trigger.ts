// The trigger: every case is matched once against the enabled playbooks. A sweep finds the cases without a
// trigger record, so a process that dies right after ingest misses none: the next sweep takes them.
import type { Transaction } from "kysely";
import type { Database, Store } from "../store/index.js";
import type { PlaybookExecutor } from "./executor.js";
import type { Trigger } from "./schema.js";
import { enabledPlaybooks } from "./queries.js";

const SWEEP_PAGE = 200;
/**
 * A case older than this has committed (an ingest's transaction lasts seconds): below the newest such
 * case, once swept, no case can appear any more, so a worker's later sweeps look only above it.
 */
const SETTLED_MS = 10 * 60_000;

/** Where a worker's sweeps start: every case with an id up to `after` was matched. */
export interface SweepMark {
  after: number;
}

interface CaseFacts {
  id: number;
  priority: number;
  environment: string;
  connectors: Set<string>;
  products: Set<string>;
  entityTypes: Set<string>;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const anyOf = (values: Set<string>, wanted: string) => [...values].some((value) => same(value, wanted));

export function matches(trigger: Trigger, facts: CaseFacts): boolean {
  if (trigger.connector !== undefined && !anyOf(facts.connectors, trigger.connector)) return false;
  if (trigger.product !== undefined && !anyOf(facts.products, trigger.product)) return false;
  if (trigger.environment !== undefined && !same(facts.environment, trigger.environment)) return false;
  if (trigger.priority !== undefined && facts.priority < trigger.priority) return false;
  if (trigger.entityTypes !== undefined && !trigger.entityTypes.some((type) => anyOf(facts.entityTypes, type))) return false;
  return true;
}

async function caseFacts(trx: Transaction<Database>, caseId: number): Promise<CaseFacts | undefined> {
  const found = await trx.selectFrom("cases").select(["id", "priority", "environment"]).where("id", "=", caseId).executeTakeFirst();
  if (!found) return undefined;
  const alerts = await trx
    .selectFrom("alerts")
    .innerJoin("connectors", "connectors.id", "alerts.connector_id")
    .select(["connectors.name", "alerts.product"])
    .where("alerts.case_id", "=", caseId)
    .execute();
  const types = await trx.selectFrom("entities").select("type").distinct().where("case_id", "=", caseId).execute();
  return {
    ...found,
    connectors: new Set(alerts.map((alert) => alert.name)),
    products: new Set(alerts.map((alert) => alert.product)),
    entityTypes: new Set(types.map((row) => row.type)),
  };
}

/** Matches every case not matched yet (above the mark, which it moves up); returns the runs started. */
export async function sweepTriggers(store: Store, executor: PlaybookExecutor, mark: SweepMark = { after: 0 }): Promise<number> {
  let started = 0;
  const sweptAt = Date.now();
  for (;;) {
    const cases = await store.db
      .selectFrom("cases")
      .select("id")
      .where("id", ">", mark.after)
      .where((eb) =>
        eb.not(eb.exists(eb.selectFrom("playbook_triggers").select("case_id").whereRef("playbook_triggers.case_id", "=", "cases.id"))),
      )
      .orderBy("id")
      .limit(SWEEP_PAGE)
      .execute();
    if (cases.length === 0) {
      const settled = await store.db
        .selectFrom("cases")
        .select((eb) => eb.fn.max("id").as("id"))
        .where("created_at", "<", sweptAt - SETTLED_MS)
        .executeTakeFirst();
      mark.after = Math.max(mark.after, Number(settled?.id ?? 0));
      return started;
    }
    const playbooks = await enabledPlaybooks(store);
    for (const { id } of cases) {
      started += await store.db.transaction().execute(async (trx) => {
        const claimed = await trx
          .insertInto("playbook_triggers")
          .values({ case_id: id, created_at: Date.now() })
          .onConflict((c) => c.doNothing())
          .executeTakeFirst();
        if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) return 0;
        const facts = await caseFacts(trx, id);
        if (!facts) return 0;
        let runs = 0;
        for (const playbook of playbooks) {
          if (matches(playbook.trigger, facts) && (await executor.startRun(trx, playbook, id)) !== undefined) runs += 1;
        }
        return runs;
      });
    }
  }
}
