// Actions on cases: run an integration's action in its own sandboxed process on a case's entities,
// record the run (action_runs) and store its entity updates on the case. The interface playbooks and
// the console use (runAction, listActionRuns).
import {
  EMAIL_ADDRESS_PATTERN,
  MAX_ALERT_EVENTS,
  MAX_CASE_ALERTS,
  MAX_EMAIL_HTML,
  MAX_EMAIL_SUBJECT,
  MAX_EMAIL_TEXT,
  MAX_EMAILS,
  MAX_ENTITY_UPDATES,
  MAX_INSIGHTS,
  MAX_RESULT_JSON_BYTES,
  MESSAGE_ID_PATTERN,
  type ActionEntity,
  type CaseUpdates,
  type CurrentCase,
  type ActionResult,
  type OutgoingEmail,
  type EntityInsight,
  type EntityUpdate,
} from "../../sdk/action.js";
import { MAX_VERDICT_REASON_LENGTH, MAX_VERDICT_REASONS } from "../../sdk/verdict.js";
import { PRIORITIES, VERDICTS } from "../../sdk/vocabulary.js";
import { applyCaseUpdates, caseServices, evidenceSchema } from "../cases/verdicts.js";
import { customListServices } from "../lists/index.js";
import type { LogEntry } from "../../sdk/execution.js";
import { ActionAdminOnly, ActionFailed, CaseNotFound, FileParameterRefused, IntakeError, RunFailed } from "../errors.js";
import {
  compileCode,
  integrationConfiguration,
  requireAction,
  secretParameterNames,
  SECRET_MARK,
  validateParameterValues,
  withDefaults,
} from "../catalog/index.js";
import type { ActionDefinition, IntegrationDefinition } from "../catalog/index.js";
import { codeProcessInit, codeReadRoots, DEFAULT_MEMORY_MB, driveCodeProcess, RunLog } from "../runner/index.js";
import { intelServices } from "../intel/index.js";
import crypto from "node:crypto";
import { z } from "zod";
import type { Selectable } from "kysely";
import type { ActionRunStatus, ActionRunTable, Store } from "../store/index.js";
import { replyServices, stageOutbox } from "../outbox/index.js";
import { wake } from "../store/wake.js";
import { linkMailboxMoves, mailboxServices } from "../mailbox-moves/index.js";

export interface ActionRequest {
  /** Names as in findAction: the integration by name or short name, the action by name or file name. */
  integration: string;
  action: string;
  caseId: number;
  /** Validated against the action's parameters (defaults applied); PARAM_INVALID names the one. */
  params?: Record<string, unknown>;
  /** A user's name, or `playbook:<name>`. */
  actor: string;
  /** The signed-in user's role when a person runs it from the console: an analyst may not run an adminOnly action. */
  actorRole?: "admin" | "analyst";
  /** A completed action run with this key is returned as is, not run again. */
  idempotencyKey?: string;
  /** Set by playbooks, stored with the run. */
  playbookRunId?: number;
  stepId?: string;
  /** IDE Play: runs the code on the case's entities, stores and changes nothing. */
  test?: boolean;
  /** With test: the IDE's unsaved package and action to run instead of the installed ones. */
  draft?: { integration: IntegrationDefinition; action: ActionDefinition };
  /** Aborting stops the action's process (the run is recorded failed). */
  signal?: AbortSignal;
}

export type ActionStatus = ActionRunStatus;

export interface ActionOutcome {
  /** null when test. */
  actionRunId: number | null;
  status: ActionStatus;
  resultValue: string | number | boolean | null;
  message: string;
  /** addResultJson's value, null if none. */
  json: unknown;
  entityUpdates: EntityUpdate[];
  insights: EntityInsight[];
  /** The case changes the action staged (verdict, priority, close): applied with the run when it completed. */
  caseUpdates: CaseUpdates;
  logs: LogEntry[];
  error?: { code: string; message: string };
  startedAt: number;
  finishedAt: number;
}

export interface ActionRunView extends ActionOutcome {
  actionRunId: number;
  caseId: number;
  integration: string;
  action: string;
  /** The parameters it ran with, secret values masked. */
  params: Record<string, unknown>;
  actor: string;
  idempotencyKey: string | null;
  playbookRunId: number | null;
  stepId: string | null;
}

/** Most entities an action is given (distinct by type and value). */
export const MAX_TARGET_ENTITIES = 1000;

type ActionRunRow = Selectable<ActionRunTable>;

function parse<T>(text: string | null, fallback: T): T {
  return text === null ? fallback : (JSON.parse(text) as T);
}

function toView(row: ActionRunRow): ActionRunView {
  const error = parse<{ code: string; message: string } | null>(row.error, null);
  return {
    actionRunId: Number(row.id),
    caseId: Number(row.case_id),
    integration: row.integration,
    action: row.action,
    params: parse(row.params, {}),
    actor: row.actor,
    status: row.status,
    resultValue: parse(row.result_value, null),
    message: row.message,
    json: parse(row.result_json, null),
    entityUpdates: parse(row.entity_updates, []),
    insights: parse(row.insights, []),
    caseUpdates: parse(row.case_updates, {}),
    logs: parse(row.logs, []),
    ...(error ? { error } : {}),
    idempotencyKey: row.idempotency_key,
    playbookRunId: row.playbook_run_id === null ? null : Number(row.playbook_run_id),
    stepId: row.step_id,
    startedAt: Number(row.started_at),
    finishedAt: Number(row.finished_at),
  };
}

function outcomeOf(view: ActionRunView): ActionOutcome {
  const { actionRunId, status, resultValue, message, json, entityUpdates, insights, caseUpdates, logs, error, startedAt, finishedAt } =
    view;
  return {
    actionRunId,
    status,
    resultValue,
    message,
    json,
    entityUpdates,
    insights,
    caseUpdates,
    logs,
    ...(error ? { error } : {}),
    startedAt,
    finishedAt,
  };
}

/** An attribute of a stored entity as an action reads it: strings, numbers and booleans, as text. */
function propertiesOf(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(JSON.parse(data) as Record<string, unknown>)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") out[name] = String(value);
  }
  return out;
}

/** The case's entities of the action's types, distinct by type and value, in the order stored. */
async function targetEntities(store: Store, caseId: number, action: ActionDefinition): Promise<ActionEntity[]> {
  const types = action.entityTypes ?? [];
  if (types.length === 0) return [];
  const rows = await store.db
    .selectFrom("entities")
    .select(["type", "value", "data", "role", "depth"])
    .where("case_id", "=", caseId)
    .where("type", "in", types)
    .orderBy("id")
    .execute();
  const seen = new Map<string, ActionEntity>();
  for (const row of rows) {
    const key = `${row.type}\u0000${row.value}`;
    const known = seen.get(key);
    if (known) {
      // The same entity found in several alerts: what any of them says about it.
      Object.assign(known.additionalProperties, propertiesOf(row.data), known.additionalProperties);
      known.depth = Math.min(known.depth ?? 0, Number(row.depth));
      continue;
    }
    if (seen.size >= MAX_TARGET_ENTITIES) break;
    const additionalProperties = propertiesOf(row.data);
    seen.set(key, {
      identifier: row.value,
      entityType: row.type,
      additionalProperties,
      isInternal: additionalProperties.private === "true",
      role: row.role,
      depth: Number(row.depth),
    });
  }
  return [...seen.values()];
}

/** The case with its alerts (oldest first) and their events, bounded as the SDK says. */
async function currentCaseOf(store: Store, caseId: number): Promise<CurrentCase> {
  const row = await store.db
    .selectFrom("cases")
    .select(["id", "title", "priority", "status", "environment"])
    .where("id", "=", caseId)
    .executeTakeFirstOrThrow();
  const alerts = await store.db
    .selectFrom("alerts")
    .select(["id", "alert_id", "name", "product", "start_time"])
    .where("case_id", "=", caseId)
    .orderBy("id")
    .limit(MAX_CASE_ALERTS)
    .execute();
  const events =
    alerts.length === 0
      ? []
      : await store.db
          .selectFrom("events")
          .select(["alert_pk", "position", "data"])
          .where(
            "alert_pk",
            "in",
            alerts.map((alert) => alert.id),
          )
          .where("position", "<", MAX_ALERT_EVENTS)
          .orderBy("alert_pk")
          .orderBy("position")
          .execute();
  const byAlert = new Map<number, Record<string, unknown>[]>();
  for (const event of events) {
    const list = byAlert.get(Number(event.alert_pk)) ?? [];
    list.push(JSON.parse(event.data) as Record<string, unknown>);
    byAlert.set(Number(event.alert_pk), list);
  }
  return {
    id: Number(row.id),
    title: row.title,
    priority: Number(row.priority),
    status: row.status,
    environment: row.environment,
    alerts: alerts.map((alert) => ({
      identifier: alert.alert_id,
      name: alert.name,
      product: alert.product,
      startTime: Number(alert.start_time),
      events: byAlert.get(Number(alert.id)) ?? [],
    })),
  };
}

const text = (max: number) => z.string().max(max);
/**
 * What an action's process may send back, bounded as the SDK bounds it: the action's code runs in that
 * process and could send the platform anything (a result of gigabytes, entities of another shape).
 */
const resultSchema = z
  .object({
    state: z.enum(["completed", "failed"]),
    message: text(10_000),
    resultValue: z.union([text(10_000), z.number(), z.boolean(), z.null()]),
    json: z
      .unknown()
      .refine(
        (value) => (JSON.stringify(value ?? null)?.length ?? 0) <= MAX_RESULT_JSON_BYTES,
        `larger than ${MAX_RESULT_JSON_BYTES} bytes`,
      ),
    entityUpdates: z
      .array(
        z
          .object({
            entityType: text(100),
            identifier: text(10_000),
            additionalProperties: z
              .record(text(200), text(10_000))
              .refine((properties) => Object.keys(properties).length <= 200, "more than 200 properties"),
          })
          .strict(),
      )
      .max(MAX_ENTITY_UPDATES),
    insights: z
      .array(
        z
          .object({ entityType: text(100).optional(), identifier: text(10_000).optional(), title: text(200), message: text(10_000) })
          .strict(),
      )
      .max(MAX_INSIGHTS),
    caseUpdates: z
      .object({
        verdict: z
          .object({
            value: z.enum(VERDICTS),
            score: z.number().int().min(0).max(100).optional(),
            reasons: z.array(text(MAX_VERDICT_REASON_LENGTH)).max(MAX_VERDICT_REASONS),
            evidence: evidenceSchema.optional(),
          })
          .strict()
          .optional(),
        priority: z
          .number()
          .refine((value) => (PRIORITIES as readonly number[]).includes(value), `a priority is one of ${PRIORITIES.join(", ")}`)
          .optional(),
        close: z
          .object({ reason: text(2000).min(1) })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    emails: z
      .array(
        z
          .object({
            to: z.string().regex(EMAIL_ADDRESS_PATTERN, "one email address"),
            subject: text(MAX_EMAIL_SUBJECT).regex(/^[^\r\n]*$/, "one line"),
            text: text(MAX_EMAIL_TEXT),
            html: text(MAX_EMAIL_HTML).optional(),
            inReplyTo: z.string().regex(MESSAGE_ID_PATTERN, "a Message-ID").optional(),
            references: z.array(z.string().regex(MESSAGE_ID_PATTERN, "a Message-ID")).max(20).optional(),
            language: text(35).optional(),
            onceKey: text(500).optional(),
          })
          .strict(),
      )
      .max(MAX_EMAILS)
      .optional(),
  })
  .strict();

/** The action's result as the platform keeps it, or why it is refused (exported for its test). */
export function checkResult(result: unknown): { result?: ActionResult; problem?: string } {
  const checked = resultSchema.safeParse(result);
  if (checked.success) return { result: checked.data as ActionResult };
  return {
    problem: checked.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(result)"}: ${issue.message}`)
      .join("; "),
  };
}

/** The status of an ended action: its process's outcome, then the state its code ended with. */
function statusOf(
  outcome: { status: string; error?: { code: string; message: string } },
  { result, problem }: { result?: ActionResult; problem?: string },
): { status: ActionStatus; error?: { code: string; message: string } } {
  if (outcome.status === "timed_out") return { status: "timed_out", ...(outcome.error ? { error: outcome.error } : {}) };
  if (outcome.status !== "succeeded")
    return { status: "failed", error: outcome.error ?? new RunFailed("the action ended without a result").toJSON() };
  if (!result)
    return { status: "failed", error: new ActionFailed(`the action's result was refused: ${problem ?? "none was sent"}`).toJSON() };
  if (result.state === "failed")
    return { status: "failed", error: new ActionFailed(result.message || "the action ended with the failed state").toJSON() };
  return { status: "completed" };
}

/**
 * Runs an action on a case: validates its parameters, gives its code the case's entities of its types,
 * records the run and stores its entity updates on the case in one transaction (a test stores nothing).
 * A failure of the action's code is an outcome (failed, timed_out), not a throw; bad input throws
 * (ACTION_NOT_FOUND, CASE_NOT_FOUND, PARAM_INVALID).
 */
export async function runAction(store: Store, request: ActionRequest): Promise<ActionOutcome> {
  const { integration, action } =
    request.test && request.draft ? request.draft : await requireAction(store, request.integration, request.action);
  const key = request.test ? undefined : request.idempotencyKey;
  const earlier = key
    ? await store.db.selectFrom("action_runs").selectAll().where("idempotency_key", "=", key).executeTakeFirst()
    : undefined;
  if (earlier?.status === "completed") return outcomeOf(toView(earlier));

  if (action.adminOnly && request.actorRole === "analyst") throw new ActionAdminOnly(`${integration.name}/${action.name}`);
  const caseRow = await store.db.selectFrom("cases").select(["id", "title"]).where("id", "=", request.caseId).executeTakeFirst();
  if (!caseRow) throw new CaseNotFound(request.caseId);
  // A file parameter names what the code may read: an admin's choice (its default), never a run's.
  const fileSet = action.parameters.find(
    (parameter) => parameter.type === "file" && ![undefined, null, ""].includes(request.params?.[parameter.name] as never),
  );
  if (fileSet)
    throw new FileParameterRefused(
      fileSet.name,
      "is set by the run: an action's file parameters come only from its package's defaults, not from an analyst or a playbook",
    );
  const values = withDefaults(action.parameters, validateParameterValues(action.parameters, request.params ?? {}));
  const startedAt = Date.now();
  const log = new RunLog();
  let checked: { result?: ActionResult; problem?: string } = {};
  let ended: { status: ActionStatus; error?: { code: string; message: string } };
  const idempotencyKey = key ?? request.idempotencyKey ?? `action:${crypto.randomUUID()}`;
  try {
    const outcome = await execute(
      store,
      integration,
      action,
      { ...request, idempotencyKey },
      caseRow.title,
      values,
      log,
      (sent) => (checked = sent),
    );
    ended = statusOf(outcome, checked);
  } catch (error) {
    ended = { status: "failed", error: (error instanceof IntakeError ? error : new RunFailed((error as Error).message)).toJSON() };
  }
  if (ended.error) log.add({ level: "error", message: `${ended.error.code}: ${ended.error.message}`, time: Date.now() });
  const { result } = checked;
  const completed = ended.status === "completed";
  const outcome: ActionOutcome = {
    actionRunId: null,
    status: ended.status,
    resultValue: result?.resultValue ?? null,
    message: result?.message ?? ended.error?.message ?? "",
    json: result?.json ?? null,
    // Entity updates count only for an action that completed.
    entityUpdates: completed ? (result?.entityUpdates ?? []) : [],
    insights: result?.insights ?? [],
    // So do the case changes it staged.
    caseUpdates: completed ? (result?.caseUpdates ?? {}) : {},
    logs: log.list(),
    ...(ended.error ? { error: ended.error } : {}),
    startedAt,
    finishedAt: Date.now(),
  };
  if (request.test) return outcome;
  try {
    // Mail, like entity updates, only from an action that completed.
    const emails = completed ? (result?.emails ?? []) : [];
    outcome.actionRunId = await record(store, request, integration, action, values, outcome, key, earlier?.id, { idempotencyKey, emails });
  } catch (error) {
    // The same key run at the same moment elsewhere and stored first (the unique key refused this one,
    // and its entity updates with it): that run is the step's outcome.
    const stored = key
      ? await store.db.selectFrom("action_runs").selectAll().where("idempotency_key", "=", key).executeTakeFirst()
      : undefined;
    if (stored?.status === "completed") return outcomeOf(toView(stored));
    throw error;
  }
  return outcome;
}

async function execute(
  store: Store,
  integration: IntegrationDefinition,
  action: ActionDefinition,
  request: ActionRequest & { idempotencyKey: string },
  caseTitle: string,
  values: Record<string, string | number | boolean>,
  log: RunLog,
  onResult: (checked: { result?: ActionResult; problem?: string }) => void,
) {
  const configuration = await integrationConfiguration(store, integration);
  const modulePath = await compileCode(integration, action, "action");
  return driveCodeProcess(
    codeProcessInit({
      kind: "action",
      modulePath,
      test: request.test ?? false,
      parameterDefinitions: action.parameters,
      parameters: values,
      configuration,
      action: {
        integrationName: integration.name,
        actionName: action.name,
        caseId: request.caseId,
        caseTitle,
        idempotencyKey: request.idempotencyKey,
        targetEntities: await targetEntities(store, request.caseId, action),
        currentCase: await currentCaseOf(store, request.caseId),
      },
    }),
    {
      timeoutSeconds: action.timeoutSeconds,
      memoryMb: action.memoryMb ?? DEFAULT_MEMORY_MB,
      // The IDE's Play of an action: a process of its own (a draft's code); runs on cases may reuse a warm one.
      fresh: request.test ?? false,
      readRoots: codeReadRoots(integration, action, values, store.dataDir),
      onLog: (entry) => log.add(entry),
      onDone: async (_context, sent) => onResult(checkResult(sent)),
      services: {
        ...intelServices(store),
        ...caseServices(store),
        ...customListServices(store),
        ...replyServices(store, request.caseId),
        ...mailboxServices(store, {
          caseId: request.caseId,
          integration: integration.slug,
          runKey: request.idempotencyKey,
          test: request.test ?? false,
        }),
      },
      ...(request.signal ? { signal: request.signal } : {}),
    },
  );
}

/** Stores the run and the entity updates in one transaction; returns the run's id. */
async function record(
  store: Store,
  request: ActionRequest,
  integration: IntegrationDefinition,
  action: ActionDefinition,
  values: Record<string, string | number | boolean>,
  outcome: ActionOutcome,
  key: string | undefined,
  earlierId: number | undefined,
  mail: { idempotencyKey: string; emails: OutgoingEmail[] },
): Promise<number> {
  const params: Record<string, unknown> = { ...values };
  for (const name of secretParameterNames(action.parameters)) if (params[name] !== undefined) params[name] = SECRET_MARK;
  const row = {
    case_id: request.caseId,
    integration: integration.name,
    action: action.name,
    params: JSON.stringify(params),
    actor: request.actor,
    status: outcome.status,
    result_value: JSON.stringify(outcome.resultValue),
    message: outcome.message,
    result_json: outcome.json === null ? null : JSON.stringify(outcome.json),
    entity_updates: JSON.stringify(outcome.entityUpdates),
    insights: JSON.stringify(outcome.insights),
    logs: JSON.stringify(outcome.logs),
    error: outcome.error ? JSON.stringify(outcome.error) : null,
    idempotency_key: key ?? null,
    playbook_run_id: request.playbookRunId ?? null,
    step_id: request.stepId ?? null,
    started_at: outcome.startedAt,
    finished_at: outcome.finishedAt,
    case_updates: Object.keys(outcome.caseUpdates).length ? JSON.stringify(outcome.caseUpdates) : null,
  };
  const recorded = await store.db.transaction().execute(async (trx) => {
    for (const update of outcome.entityUpdates) {
      const rows = await trx
        .selectFrom("entities")
        .select(["id", "data"])
        .where("case_id", "=", request.caseId)
        .where("type", "=", update.entityType)
        .where("value", "=", update.identifier)
        .execute();
      for (const entity of rows) {
        const data = { ...(JSON.parse(entity.data) as Record<string, unknown>), ...update.additionalProperties };
        await trx
          .updateTable("entities")
          .set({ data: JSON.stringify(data) })
          .where("id", "=", entity.id)
          .execute();
      }
    }
    await applyCaseUpdates(trx, request.caseId, outcome.caseUpdates, request.actor);
    // A key whose earlier run did not complete: this attempt takes its row.
    let runId: number;
    if (earlierId !== undefined) {
      await trx.updateTable("action_runs").set(row).where("id", "=", earlierId).execute();
      runId = Number(earlierId);
    } else {
      runId = Number((await trx.insertInto("action_runs").values(row).returning("id").executeTakeFirstOrThrow()).id);
    }
    // The mailbox moves this run made or undid name it (recorded under its key while it ran).
    await linkMailboxMoves(trx, mail.idempotencyKey, runId);
    if (mail.emails.length)
      await stageOutbox(
        trx,
        { caseId: request.caseId, actionRunId: runId, idempotencyKey: mail.idempotencyKey, integration: integration.slug },
        mail.emails,
      );
    return runId;
  });
  // Committed: this process's outbox sender (under serve) sends the replies now rather than at its next tick.
  if (mail.emails.length) wake(store, "outbox");
  return recorded;
}

/** The action runs of a case, newest first (the case wall). */
export async function listActionRuns(store: Store, caseId: number): Promise<ActionRunView[]> {
  const rows = await store.db
    .selectFrom("action_runs")
    .selectAll()
    .where("case_id", "=", caseId)
    .orderBy("id", "desc")
    .limit(500)
    .execute();
  return rows.map(toView);
}

/** One action run by its number (undefined when there is none). */
export async function findActionRun(store: Store, id: number): Promise<ActionRunView | undefined> {
  const row = await store.db.selectFrom("action_runs").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toView(row) : undefined;
}
