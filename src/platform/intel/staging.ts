// A refresh's indicators on their way in: staged chunk by chunk as the feed's job hands them over, then
// swapped for the feed's current set in one transaction (kept ones keep first_seen, dropped ones expire).
import crypto from "node:crypto";
import { z } from "zod";
import { INDICATOR_KINDS, indicatorKey, type IndicatorKind } from "../../indicators/keys.js";
import { MAX_INDICATORS_PER_CHUNK, MAX_INDICATOR_LENGTH, MAX_INDICATOR_NOTE_LENGTH } from "../../sdk/intel.js";
import { IntelRequestInvalid } from "../errors.js";
import { sql } from "../store/kysely.js";
import { valueHash, type Store } from "../store/index.js";

/** Most indicators one feed may hold: a file beyond it is refused, not cut (a partial set would expire good ones). */
export const MAX_FEED_INDICATORS = 5_000_000;
/** Rows per INSERT: SQLite allows 32,766 bound values per statement (8 columns a row). */
const ROWS_PER_INSERT = 1000;
/** Staging rows left by a refresh that died (its process killed) are removed after this long. */
const STALE_STAGING_MS = 24 * 3600_000;

const chunkSchema = z
  .object({
    indicators: z
      .array(
        z
          .object({
            kind: z.enum(INDICATOR_KINDS),
            value: z.string().min(1).max(MAX_INDICATOR_LENGTH),
            threat: z.string().max(MAX_INDICATOR_NOTE_LENGTH).optional(),
            tags: z.string().max(MAX_INDICATOR_NOTE_LENGTH).optional(),
          })
          .strict(),
      )
      .max(MAX_INDICATORS_PER_CHUNK),
  })
  .strict();

interface StagedRow {
  refresh: string;
  kind: IndicatorKind;
  value: string;
  value_hash: number;
  shown: string;
  threat: string | null;
  tags: string | null;
  created_at: number;
}

/** One refresh of one feed: what its job has handed over so far. */
export class Staging {
  readonly refresh = crypto.randomUUID();
  readonly #store: Store;
  #received = 0;

  constructor(store: Store) {
    this.#store = store;
  }

  get received(): number {
    return this.#received;
  }

  /** Validates a chunk from the job's process (untrusted) and stages it; INTEL_REQUEST names what is wrong. */
  async add(payload: unknown): Promise<{ received: number }> {
    const checked = chunkSchema.safeParse(payload);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new IntelRequestInvalid(`indicators: ${issue.path.join(".") || "(payload)"}: ${issue.message}`);
    }
    const { indicators } = checked.data;
    if (this.#received + indicators.length > MAX_FEED_INDICATORS)
      throw new IntelRequestInvalid(`a feed may hold at most ${MAX_FEED_INDICATORS} indicators`);
    const now = Date.now();
    const rows: StagedRow[] = indicators.map((indicator, index) => {
      const key = indicatorKey(indicator.kind, indicator.value);
      // The value is the feed's text: named by its place, not quoted (the error reaches analysts).
      if (key === undefined) throw new IntelRequestInvalid(`indicators.${index}: expected a ${indicator.kind}`);
      return {
        refresh: this.refresh,
        kind: indicator.kind,
        value: key,
        value_hash: valueHash(key),
        shown: indicator.value,
        threat: indicator.threat ?? null,
        tags: indicator.tags ?? null,
        created_at: now,
      };
    });
    await this.#store.db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
        await trx
          .insertInto("indicator_staging")
          .values(rows.slice(start, start + ROWS_PER_INSERT))
          .onConflict((conflict) => conflict.columns(["refresh", "kind", "value_hash", "value"]).doNothing())
          .execute();
      }
    });
    this.#received += rows.length;
    return { received: this.#received };
  }

  /**
   * Makes the staged set the feed's indicators in one transaction: ones no longer listed are removed,
   * ones still listed keep their first_seen, new ones are added. Returns how many the feed now holds.
   */
  async commit(feedId: number): Promise<number> {
    const now = Date.now();
    const { refresh } = this;
    const count = await this.#store.db.transaction().execute(async (trx) => {
      const sameAsStaged = sql`s.kind = indicators.kind and s.value_hash = indicators.value_hash and s.value = indicators.value`;
      await sql`delete from indicators where feed_id = ${feedId} and not exists (
        select 1 from indicator_staging s where s.refresh = ${refresh} and ${sameAsStaged})`.execute(trx);
      await sql`update indicators set last_seen = ${now} where feed_id = ${feedId}`.execute(trx);
      const alreadyStored = sql`i.value_hash = s.value_hash and i.kind = s.kind and i.value = s.value`;
      await sql`insert into indicators (feed_id, kind, value, value_hash, shown, threat, tags, first_seen, last_seen)
        select ${feedId}, s.kind, s.value, s.value_hash, s.shown, s.threat, s.tags, ${now}, ${now} from indicator_staging s
        where s.refresh = ${refresh} and not exists (
          select 1 from indicators i where i.feed_id = ${feedId} and ${alreadyStored})`.execute(trx);
      const counted = await trx
        .selectFrom("indicators")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("feed_id", "=", feedId)
        .executeTakeFirstOrThrow();
      await trx
        .updateTable("feeds")
        .set({ indicators: Number(counted.n), refreshed_at: now, error: null, error_at: null })
        .where("id", "=", feedId)
        .execute();
      await trx.deleteFrom("indicator_staging").where("refresh", "=", refresh).execute();
      return Number(counted.n);
    });
    this.#store.committed();
    return count;
  }

  /** Drops what was staged (the refresh failed), and what refreshes that died long ago left behind. */
  async discard(): Promise<void> {
    await this.#store.db
      .deleteFrom("indicator_staging")
      .where((eb) => eb.or([eb("refresh", "=", this.refresh), eb("created_at", "<", Date.now() - STALE_STAGING_MS)]))
      .execute();
  }
}
