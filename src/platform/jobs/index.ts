// Jobs: an integration's code on a schedule (SecOps' jobs), each run in its own sandboxed process like a
// connector's. Their settings (parameters, interval, enabled) and context live in job_settings, each
// run in job_runs.
import type { Selectable } from "kysely";
import type { LogEntry } from "../../sdk/execution.js";
import { IntakeError, ParameterError, RunFailed } from "../errors.js";
import {
  compileCode,
  integrationConfiguration,
  listIntegrations,
  maskParameterValues,
  openParameterValues,
  requireJob,
  sealParameterValues,
  SECRET_MARK,
  type IntegrationDefinition,
  type JobDefinition,
  type ParameterValue,
} from "../catalog/index.js";
import { openSecretBox } from "../secrets/index.js";
import { codeProcessInit, codeReadRoots, DEFAULT_MEMORY_MB, driveCodeProcess, RunLog } from "../runner/index.js";
import type { JobSettingsTable, RunStatus, Store } from "../store/index.js";

export interface JobRequest {
  integration: string;
  job: string;
  /** Run in test mode: the code sees isTestRun, and its context is not saved. */
  test?: boolean;
  /** Parameter values for this run; none: the scheduled job's (or the defaults). */
  params?: Record<string, unknown>;
  signal?: AbortSignal;
  /** With test: the IDE's unsaved package and job to run instead of the installed ones. */
  draft?: { integration: IntegrationDefinition; job: JobDefinition };
  /** What the job's code may ask the platform (askPlatform), as for actions: none by default. */
  services?: Record<string, (payload: unknown) => Promise<unknown>>;
}

export interface JobOutcome {
  jobRunId: number;
  integration: string;
  job: string;
  test: boolean;
  status: RunStatus;
  logs: LogEntry[];
  error?: { code: string; message: string };
  startedAt: number;
  finishedAt: number;
}

export interface ScheduledJob {
  integration: string;
  slug: string;
  job: string;
  enabled: boolean;
  intervalSeconds: number;
  /** Parameter values, secrets as "********". */
  parameters: Record<string, ParameterValue>;
  updatedAt: number;
  lastRun: { id: number; status: RunStatus; startedAt: number; finishedAt: number | null; error: string | null } | null;
}

type SettingsRow = Selectable<JobSettingsTable>;

function settingsOf(store: Store, integration: IntegrationDefinition, job: JobDefinition): Promise<SettingsRow | undefined> {
  return store.db
    .selectFrom("job_settings")
    .selectAll()
    .where("integration", "=", integration.slug)
    .where("job", "=", job.name)
    .executeTakeFirst();
}

function objectOf(params: unknown): Record<string, unknown> {
  if (typeof params !== "object" || params === null || Array.isArray(params))
    throw new ParameterError("the parameters must be a JSON object mapping parameter names to values");
  return params as Record<string, unknown>;
}

/**
 * Schedules a job (or changes its schedule): parameters validated and sealed as a connector's (a password
 * left out keeps its stored value), its interval (default the definition's), enabled unless said otherwise.
 */
export async function scheduleJob(
  store: Store,
  input: { integration: string; job: string; params?: unknown; intervalSeconds?: number; enabled?: boolean },
): Promise<ScheduledJob> {
  const { integration, job } = await requireJob(store, input.integration, input.job);
  if (
    input.intervalSeconds !== undefined &&
    !(Number.isInteger(input.intervalSeconds) && input.intervalSeconds >= 1 && input.intervalSeconds <= 86_400 * 7)
  ) {
    throw new ParameterError(`--interval must be a whole number of seconds from 1 to 604800, got ${input.intervalSeconds}`);
  }
  const existing = await settingsOf(store, integration, job);
  const stored = existing ? (JSON.parse(existing.parameters) as Record<string, ParameterValue>) : undefined;
  const given = input.params === undefined ? (stored ? null : {}) : objectOf(input.params);
  const parameters = given === null ? stored! : sealParameterValues(job.parameters, given, stored, openSecretBox(store.dataDir));
  const row = {
    parameters: JSON.stringify(parameters),
    interval_seconds: input.intervalSeconds ?? existing?.interval_seconds ?? job.intervalSeconds,
    enabled: input.enabled === false ? 0 : 1,
    updated_at: Date.now(),
  };
  if (existing) await store.db.updateTable("job_settings").set(row).where("id", "=", existing.id).execute();
  else
    await store.db
      .insertInto("job_settings")
      .values({ ...row, integration: integration.slug, job: job.name, context: "{}" })
      .execute();
  return (await listScheduledJobs(store)).find((scheduled) => scheduled.slug === integration.slug && scheduled.job === job.name)!;
}

/** Jobs with settings (scheduled or run once), with their last run. */
export async function listScheduledJobs(store: Store): Promise<ScheduledJob[]> {
  const integrations = await listIntegrations(store);
  const rows = await store.db.selectFrom("job_settings").selectAll().orderBy("integration").orderBy("job").execute();
  const out: ScheduledJob[] = [];
  for (const row of rows) {
    const integration = integrations.find((candidate) => candidate.slug === row.integration);
    const job = integration?.jobs.find((candidate) => candidate.name === row.job);
    const last = await store.db
      .selectFrom("job_runs")
      .select(["id", "status", "started_at", "finished_at", "error"])
      .where("integration", "=", row.integration)
      .where("job", "=", row.job)
      .where("is_test", "=", 0)
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    const stored = JSON.parse(row.parameters) as Record<string, ParameterValue>;
    out.push({
      integration: integration?.name ?? row.integration,
      slug: row.integration,
      job: row.job,
      enabled: row.enabled === 1,
      intervalSeconds: row.interval_seconds,
      parameters: job ? maskParameterValues(job.parameters, stored, SECRET_MARK) : {},
      updatedAt: Number(row.updated_at),
      lastRun: last
        ? {
            id: Number(last.id),
            status: last.status,
            startedAt: Number(last.started_at),
            finishedAt: last.finished_at === null ? null : Number(last.finished_at),
            error: last.error,
          }
        : null,
    });
  }
  return out;
}

/**
 * Runs a job once in its own process and records the run. The context it saves is kept (in its
 * settings, made when it has none) when the run succeeds and is not a test.
 */
export async function runJob(store: Store, request: JobRequest): Promise<JobOutcome> {
  const test = request.test ?? false;
  const { integration, job } = test && request.draft ? request.draft : await requireJob(store, request.integration, request.job);
  const settings = await settingsOf(store, integration, job);
  const secrets = openSecretBox(store.dataDir);
  const stored = settings ? (JSON.parse(settings.parameters) as Record<string, ParameterValue>) : {};
  const values =
    request.params === undefined
      ? openParameterValues(job.parameters, stored, secrets)
      : openParameterValues(job.parameters, sealParameterValues(job.parameters, objectOf(request.params), stored, secrets), secrets);
  const startedAt = Date.now();
  const inserted = await store.db
    .insertInto("job_runs")
    .values({
      integration: integration.slug,
      job: job.name,
      is_test: test ? 1 : 0,
      status: "running",
      error: null,
      logs: "[]",
      started_at: startedAt,
      finished_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const log = new RunLog();
  let status: RunStatus = "failed";
  let error: { code: string; message: string } | undefined;
  try {
    const outcome = await driveCodeProcess(
      codeProcessInit({
        kind: "job",
        modulePath: await compileCode(integration, job, "job"),
        test,
        parameterDefinitions: job.parameters,
        parameters: values,
        context: settings ? (JSON.parse(settings.context) as Record<string, string>) : {},
        configuration: await integrationConfiguration(store, integration),
        job: { integrationName: integration.name, jobName: job.name },
      }),
      {
        timeoutSeconds: job.timeoutSeconds,
        memoryMb: job.memoryMb ?? DEFAULT_MEMORY_MB,
        // A test run (the IDE's Play) gets a process of its own; scheduled and asked-for runs may reuse a warm one.
        fresh: test,
        readRoots: codeReadRoots(integration, job, values, store.dataDir),
        onLog: (entry) => log.add(entry),
        onDone: async (context) => {
          if (!test) await saveJobContext(store, integration, job, settings, context);
        },
        ...(request.signal ? { signal: request.signal } : {}),
        ...(request.services ? { services: request.services } : {}),
      },
    );
    status = outcome.status;
    error = outcome.error;
  } catch (caught) {
    error = (caught instanceof IntakeError ? caught : new RunFailed((caught as Error).message)).toJSON();
  }
  if (error) log.add({ level: "error", message: `${error.code}: ${error.message}`, time: Date.now() });
  const finishedAt = Date.now();
  await store.db
    .updateTable("job_runs")
    .set({ status, error: error ? `${error.code}: ${error.message}` : null, logs: log.toJSON(), finished_at: finishedAt })
    .where("id", "=", inserted.id)
    .execute();
  return {
    jobRunId: Number(inserted.id),
    integration: integration.name,
    job: job.name,
    test,
    status,
    logs: log.list(),
    ...(error ? { error } : {}),
    startedAt,
    finishedAt,
  };
}

async function saveJobContext(
  store: Store,
  integration: IntegrationDefinition,
  job: JobDefinition,
  settings: SettingsRow | undefined,
  staged: Record<string, string | null>,
): Promise<void> {
  const current = await settingsOf(store, integration, job);
  const context = current ? (JSON.parse(current.context) as Record<string, string>) : {};
  for (const [key, value] of Object.entries(staged)) {
    if (value === null) delete context[key];
    else context[key] = String(value).slice(0, 100_000);
  }
  if (current) {
    await store.db
      .updateTable("job_settings")
      .set({ context: JSON.stringify(context) })
      .where("id", "=", current.id)
      .execute();
    return;
  }
  // A job run by hand before it was scheduled: its context is kept in settings of its own, not enabled.
  await store.db
    .insertInto("job_settings")
    .values({
      integration: integration.slug,
      job: job.name,
      parameters: settings?.parameters ?? "{}",
      interval_seconds: job.intervalSeconds,
      enabled: 0,
      context: JSON.stringify(context),
      updated_at: Date.now(),
    })
    .execute();
}

/** The job runs, newest first (one job's, or all). */
export async function listJobRuns(store: Store, filter: { integration?: string; job?: string; limit?: number } = {}) {
  let query = store.db
    .selectFrom("job_runs")
    .selectAll()
    .orderBy("id", "desc")
    .limit(filter.limit ?? 50);
  if (filter.integration) query = query.where("integration", "=", filter.integration);
  if (filter.job) query = query.where("job", "=", filter.job);
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, id: Number(row.id), logs: JSON.parse(row.logs) as LogEntry[] }));
}

// Runs one scheduled job on its interval under intake serve: one run at a time, the next one an interval
// after the last ended.
export class JobLoop {
  readonly #store: Store;
  readonly #request: { integration: string; job: string };
  readonly #intervalSeconds: number;
  readonly #onRun: ((outcome: JobOutcome) => void) | undefined;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(store: Store, request: { integration: string; job: string }, intervalSeconds: number, onRun?: (outcome: JobOutcome) => void) {
    this.#store = store;
    this.#request = request;
    this.#intervalSeconds = intervalSeconds;
    this.#onRun = onRun;
  }

  start(): void {
    this.#tick();
  }

  #tick(): void {
    if (this.#stopped) return;
    this.#running = runJob(this.#store, this.#request)
      .then(
        (outcome) => this.#onRun?.(outcome),
        () => undefined,
      )
      .finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(() => this.#tick(), this.#intervalSeconds * 1000);
      });
  }

  /** Stops the loop; a run under way is waited for (it ends at its timeout at the latest). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
