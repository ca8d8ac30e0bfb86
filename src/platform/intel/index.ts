// Threat-intel feeds: added by name with a format and a source (a file, a MISP folder or an HTTPS URL),
// refreshed by the Threat Intel Feeds integration's job in its sandboxed process, looked up by actions.
import fs from "node:fs";
import path from "node:path";
import type { Selectable } from "kysely";
import { FEED_FORMATS, feedFormat, isFeedFormat, type FeedFormatRow } from "../../sdk/feed-formats.js";
import { DEFAULT_SOURCE_RELIABILITY, INTEL_SERVICES, SOURCE_RELIABILITIES, type SourceReliability } from "../../sdk/intel.js";
import { FeedInvalid, FeedNotFound, FeedRefreshFailed, FeedRefreshRunning, FeedSourceOutsideRoots } from "../errors.js";
import { FILE_ROOTS_VARIABLE, fileRoots, isDataFolderPrivate, realPathUnderRoots, rootHolding } from "../files/roots.js";
import { runJob, type JobOutcome } from "../jobs/index.js";
import { leaseIsHeld, makeOwner } from "../runner/lock.js";
import type { FeedTable, Store } from "../store/index.js";
import { lookupService } from "./lookup.js";
import { Staging } from "./staging.js";

export { lookupIndicators, probesOf } from "./lookup.js";
export { Staging, MAX_FEED_INDICATORS } from "./staging.js";

export { FEED_FORMAT_TABLE, FEED_FORMATS, feedFormat, feedFormatChoices, type FeedFormat } from "../../sdk/feed-formats.js";

/** The built-in integration whose job reads the feeds (integrations/threat-intel). */
export const FEED_JOB = { integration: "threat-intel", job: "Refresh Feed" } as const;
export const DEFAULT_FEED_INTERVAL_SECONDS = 3600;
const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._-]{0,99}$/u;

export interface Feed {
  name: string;
  format: string;
  source: string;
  intervalSeconds: number;
  /** Source reliability, A (completely reliable) to F (cannot be judged); "C" unless set. */
  reliability: SourceReliability;
  indicators: number;
  refreshedAt: number | null;
  error: string | null;
  errorAt: number | null;
  createdAt: number;
}

type FeedRow = Selectable<FeedTable>;

function toFeed(row: FeedRow): Feed {
  return {
    name: row.name,
    format: row.format,
    source: row.source,
    intervalSeconds: row.interval_seconds,
    reliability: (SOURCE_RELIABILITIES as readonly string[]).includes(row.reliability)
      ? (row.reliability as SourceReliability)
      : DEFAULT_SOURCE_RELIABILITY,
    indicators: Number(row.indicators),
    refreshedAt: row.refreshed_at === null ? null : Number(row.refreshed_at),
    error: row.error,
    errorAt: row.error_at === null ? null : Number(row.error_at),
    createdAt: Number(row.created_at),
  };
}

/** How long a refresh lease held by another machine lasts without being renewed. */
const REFRESH_LEASE_MS = 60_000;

const isUrl = (source: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(source);

/**
 * A file source may be read only under INTAKE_FILE_ROOTS, by its name and once links are followed (a
 * MISP folder: each entry too, as the job reads them by name): FEED_SOURCE names the source otherwise.
 */
function checkUnderRoots(format: FeedFormatRow | undefined, absolute: string, roots: string[], dataDir: string): void {
  const where = `${FILE_ROOTS_VARIABLE} (${roots.join(":")})`;
  if (!rootHolding(absolute, roots))
    throw new FeedSourceOutsideRoots(`source ${absolute} is not under ${where}: put the feed's file there, or give an https URL`);
  if (isDataFolderPrivate(absolute, dataDir))
    throw new FeedSourceOutsideRoots(
      `source ${absolute} is Intake's own key or database: a feed's file goes in the data folder's files/ or under INTAKE_FILE_ROOTS`,
    );
  if (!fs.existsSync(absolute)) return;
  if (!realPathUnderRoots(absolute, roots)) throw new FeedSourceOutsideRoots(`source ${absolute} leads outside ${where} through a link`);
  if (!format?.folder || !fs.statSync(absolute).isDirectory()) return;
  for (const entry of fs.readdirSync(absolute, { withFileTypes: true })) {
    if (entry.isSymbolicLink() && !realPathUnderRoots(path.join(absolute, entry.name), roots)) {
      throw new FeedSourceOutsideRoots(`source ${absolute}: ${entry.name} leads outside ${where} through a link`);
    }
    if (isDataFolderPrivate(path.join(absolute, entry.name), dataDir)) {
      throw new FeedSourceOutsideRoots(`source ${absolute}: ${entry.name} is Intake's own key or database`);
    }
  }
}

/** The source as stored: an https URL as given, a path made absolute under the file roots; it must exist (a MISP feed: a folder). */
function checkSource(format: FeedFormatRow, source: string, roots: string[], dataDir: string): string {
  const trimmed = source.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new FeedInvalid(`--source ${JSON.stringify(trimmed)} is not a URL`);
    }
    if (url.protocol !== "https:") throw new FeedInvalid(`--source ${JSON.stringify(trimmed)}: only https URLs are read (or a file path)`);
    if (format.folder) throw new FeedInvalid(`--source of a ${format.name} feed: ${format.folder}, not a URL`);
    return url.href;
  }
  const absolute = path.resolve(trimmed);
  checkUnderRoots(format, absolute, roots, dataDir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    throw new FeedInvalid(`--source ${absolute}: no such file or folder`);
  }
  if (format.folder && !stat.isDirectory()) throw new FeedInvalid(`--source ${absolute}: a ${format.name} feed is ${format.folder}`);
  if (!format.folder && !stat.isFile()) throw new FeedInvalid(`--source ${absolute}: a ${format.name} feed is a file`);
  return absolute;
}

/** A reliability as given (any case), or FEED_INVALID naming the value. */
export function checkReliability(value: string): SourceReliability {
  const upper = value.trim().toUpperCase();
  if (!(SOURCE_RELIABILITIES as readonly string[]).includes(upper)) {
    throw new FeedInvalid(
      `--reliability ${JSON.stringify(value.slice(0, 100))}: use one of ${SOURCE_RELIABILITIES.join(", ")} (A ` +
        `completely reliable … E unreliable, F cannot be judged)`,
    );
  }
  return upper as SourceReliability;
}

/** Adds a feed, or changes the format, source, interval (and reliability, when given) of the one of this name. */
export async function addFeed(
  store: Store,
  input: { name: string; format: string; source: string; intervalSeconds?: number; reliability?: string },
): Promise<Feed> {
  if (!NAME_PATTERN.test(input.name))
    throw new FeedInvalid(`feed name ${JSON.stringify(input.name)}: use 1 to 100 letters, digits, dots, dashes or underscores`);
  if (!isFeedFormat(input.format)) throw new FeedInvalid(`--format ${JSON.stringify(input.format)}: use one of ${FEED_FORMATS.join(", ")}`);
  const interval = input.intervalSeconds ?? DEFAULT_FEED_INTERVAL_SECONDS;
  if (!Number.isInteger(interval) || interval < 60 || interval > 7 * 86_400)
    throw new FeedInvalid(`--interval must be a whole number of seconds from 60 to 604800, got ${input.intervalSeconds}`);
  const reliability = input.reliability === undefined ? undefined : checkReliability(input.reliability);
  const source = checkSource(feedFormat(input.format)!, input.source, fileRoots(store.dataDir), store.dataDir);
  const values = { format: input.format, source, interval_seconds: interval, ...(reliability ? { reliability } : {}) };
  const existing = await store.db.selectFrom("feeds").select("id").where("name", "=", input.name).executeTakeFirst();
  if (existing) await store.db.updateTable("feeds").set(values).where("id", "=", existing.id).execute();
  else
    await store.db
      .insertInto("feeds")
      .values({ ...values, name: input.name, indicators: 0, refreshed_at: null, error: null, error_at: null, created_at: Date.now() })
      .execute();
  return getFeed(store, input.name);
}

/** Changes a feed's settings that need no new source: its reliability. */
export async function setFeed(store: Store, name: string, changes: { reliability?: string }): Promise<Feed> {
  const reliability = changes.reliability === undefined ? undefined : checkReliability(changes.reliability);
  const row = await store.db.selectFrom("feeds").select("id").where("name", "=", name).executeTakeFirst();
  if (!row) throw new FeedNotFound(name);
  if (reliability) await store.db.updateTable("feeds").set({ reliability }).where("id", "=", row.id).execute();
  return getFeed(store, name);
}

export async function listFeeds(store: Store): Promise<Feed[]> {
  return (await store.db.selectFrom("feeds").selectAll().orderBy("name").execute()).map(toFeed);
}

export async function getFeed(store: Store, name: string): Promise<Feed> {
  const row = await store.db.selectFrom("feeds").selectAll().where("name", "=", name).executeTakeFirst();
  if (!row) throw new FeedNotFound(name);
  return toFeed(row);
}

export interface RefreshOutcome {
  feed: Feed;
  job: JobOutcome;
}

/** `host pid N` of a lease's owner (`host:pid:random:start`). */
function holderOf(owner: string | null | undefined): string {
  const [host, pid] = (owner ?? "").split(":");
  return host && pid ? `${host} pid ${pid}` : "by another process";
}

/**
 * The feed's refresh lease, or FEED_REFRESH_RUNNING: one refresh per feed at a time, whichever process
 * (CLI, serve, a worker) asks. Taken by a conditional update, so that of two at the same moment one
 * wins; a holder whose process died (this machine) or stopped renewing (another) is taken over.
 */
async function takeRefreshLease(store: Store, feed: { id: number; name: string }): Promise<{ release(): Promise<void> }> {
  const owner = makeOwner();
  const now = Date.now();
  const current = await store.db
    .selectFrom("feeds")
    .select(["refresh_owner", "refresh_expires_at"])
    .where("id", "=", feed.id)
    .executeTakeFirst();
  const held = current?.refresh_owner ?? null;
  if (held !== null && leaseIsHeld({ owner: held, expires_at: Number(current?.refresh_expires_at ?? 0) }, now))
    throw new FeedRefreshRunning(feed.name, holderOf(held));
  const taken = await store.db
    .updateTable("feeds")
    .set({ refresh_owner: owner, refresh_expires_at: now + REFRESH_LEASE_MS })
    .where("id", "=", feed.id)
    .where("refresh_owner", held === null ? "is" : "=", held)
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) !== 1) {
    const winner = await store.db.selectFrom("feeds").select("refresh_owner").where("id", "=", feed.id).executeTakeFirst();
    throw new FeedRefreshRunning(feed.name, holderOf(winner?.refresh_owner));
  }
  const renew = setInterval(() => {
    void store.db
      .updateTable("feeds")
      .set({ refresh_expires_at: Date.now() + REFRESH_LEASE_MS })
      .where("id", "=", feed.id)
      .where("refresh_owner", "=", owner)
      .execute()
      .catch(() => undefined);
  }, REFRESH_LEASE_MS / 3);
  renew.unref();
  return {
    async release() {
      clearInterval(renew);
      await store.db
        .updateTable("feeds")
        .set({ refresh_owner: null, refresh_expires_at: null })
        .where("id", "=", feed.id)
        .where("refresh_owner", "=", owner)
        .execute();
    },
  };
}

/**
 * Refreshes one feed: its job reads the source in its own process and hands the indicators over; they
 * replace the feed's only when the job ends well. Otherwise the feed keeps its indicators, records the
 * error, and FEED_REFRESH is thrown naming the line or object the job could not read. A refresh of the
 * same feed under way anywhere: FEED_REFRESH_RUNNING, and nothing is started. A file source no longer
 * under the file roots (stored before they applied, or a link changed since): FEED_SOURCE, recorded.
 */
export async function refreshFeed(store: Store, name: string, options: { signal?: AbortSignal } = {}): Promise<RefreshOutcome> {
  const row = await store.db.selectFrom("feeds").selectAll().where("name", "=", name).executeTakeFirst();
  if (!row) throw new FeedNotFound(name);
  const recordError = (reason: string) =>
    store.db
      .updateTable("feeds")
      .set({ error: reason.slice(0, 2000), error_at: Date.now() })
      .where("id", "=", row.id)
      .execute();
  if (!isUrl(row.source)) {
    try {
      checkUnderRoots(feedFormat(row.format), row.source, fileRoots(store.dataDir), store.dataDir);
    } catch (error) {
      await recordError((error as Error).message);
      throw error;
    }
  }
  const lease = await takeRefreshLease(store, { id: Number(row.id), name });
  let job: JobOutcome | undefined;
  try {
    const staging = new Staging(store);
    try {
      job = await runJob(store, {
        ...FEED_JOB,
        params: { "Feed Name": row.name, Format: row.format, Source: row.source },
        services: { [INTEL_SERVICES.handOver]: (payload) => staging.add(payload) },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (job.status === "succeeded") {
        await staging.commit(Number(row.id));
        return { feed: await getFeed(store, name), job };
      }
    } finally {
      await staging.discard();
    }
    const reason = job.error ? job.error.message : `the job ended ${job.status}`;
    await recordError(reason);
    throw new FeedRefreshFailed(name, reason);
  } finally {
    await lease.release();
  }
}

/** The platform's threat-intel services for an action's process (askPlatform). */
export function intelServices(store: Store): Record<string, (payload: unknown) => Promise<unknown>> {
  return { [INTEL_SERVICES.lookup]: (payload) => lookupService(store, payload) };
}
