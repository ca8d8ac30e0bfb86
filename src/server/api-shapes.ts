// The API's answers as zod shapes: the console derives its types from them (z.infer, types only), the OpenAPI
// document lists them as components, and test/api-shapes.test.ts holds the routes' real answers to them.
// No server or Node imports: the web build reads this file.
import { z } from "zod";
import { ENTITY_ROLES } from "../sdk/alert.js";
import { PARAMETER_TYPES } from "../sdk/parameter-types.js";
import { EVIDENCE_KINDS } from "../sdk/verdict.js";
import { CASE_STATUSES, GROUPING_MODES, SOURCE_RELIABILITIES, USER_ROLES, VERDICTS } from "../sdk/vocabulary.js";

const int = z.number().int();
/** Unix epoch milliseconds. */
const millis = z.number().int();

export const userShape = z.object({ name: z.string(), role: z.enum(USER_ROLES) });

/** A row of the case queue (GET /cases). */
export const caseSummaryShape = z.object({
  id: int,
  title: z.string(),
  priority: int,
  status: z.enum(CASE_STATUSES),
  environment: z.string(),
  created_at: millis,
  updated_at: millis,
  closed_reason: z.string().nullable(),
  /** Reports grouped in the case. */
  alert_count: int,
  first_seen: millis,
  last_seen: millis,
  verdict: z.enum(VERDICTS).nullable(),
  verdict_score: z.number().nullable(),
  sender: z.string(),
  urls: int,
  indicators: int,
  attachments: int,
});
export const caseListShape = z.object({ cases: z.array(caseSummaryShape), nextCursor: int.nullable() });

/** `source` is the connector's label, shown as it is; `role` and `depth` are what the console reads. */
export const entityShape = z.object({
  type: z.string(),
  value: z.string(),
  source: z.string(),
  role: z.enum(ENTITY_ROLES).nullable(),
  depth: int,
});

export const alertShape = z.object({
  display_id: z.string(),
  ticket_id: z.string(),
  name: z.string(),
  rule_generator: z.string(),
  start_time: millis,
  end_time: millis,
  priority: int,
  device_vendor: z.string(),
  device_product: z.string(),
  environment: z.string(),
  extensions: z.record(z.string(), z.unknown()),
  notes: z.array(z.string()),
  entities: z.array(entityShape),
  events: z.array(z.record(z.string(), z.unknown())),
  /** Who reported it, from its entities' roles (the platform's reporting.ts). */
  reporters: z.array(z.string()),
  /** Why ingest put the alert in this case (absent for the alert that opened it). */
  grouped_by: z.string().optional(),
});

export const commentShape = z.object({ id: int, user_name: z.string(), body: z.string(), created_at: millis });
export const historyEntryShape = z.object({
  id: int,
  user_name: z.string(),
  kind: z.string(),
  from_value: z.string(),
  to_value: z.string(),
  reason: z.string().nullable(),
  alert_id: z.string().nullable(),
  created_at: millis,
});
/** A case's comments and history (GET /cases/:id/history, and the answer of every change). */
export const timelineShape = z.object({ comments: z.array(commentShape), history: z.array(historyEntryShape) });

/** One item a verdict rests on (the SDK's VerdictEvidence): every text in it comes from mail or feeds, shown as text. */
export const verdictEvidenceShape = z.object({
  kind: z.enum(EVIDENCE_KINDS),
  /** Signed points this item added (negative: it spoke for benign). */
  weight: z.number(),
  reason: z.string(),
  indicator: z.string().optional(),
  feed: z.string().optional(),
  reliability: z.string().optional(),
  caseId: int.optional(),
  decidedBy: z.string().optional(),
});

/** A case's verdict with who set it, and every verdict set (POST /cases/:id/verdict answers it too). */
export const verdictViewShape = z.object({
  verdictInfo: z
    .object({
      value: z.enum(VERDICTS),
      score: z.number().nullable(),
      reasons: z.array(z.string()),
      evidence: z.array(verdictEvidenceShape).optional(),
      setBy: z.string(),
      setAt: millis,
      overridden: z.boolean(),
    })
    .nullable(),
  verdictHistory: z.array(
    z.object({
      value: z.enum(VERDICTS),
      score: z.number().nullable(),
      reasons: z.array(z.string()),
      setBy: z.string(),
      override: z.boolean(),
      comment: z.string().nullable(),
      applied: z.boolean(),
      createdAt: millis,
    }),
  ),
});

/** A case (GET /cases/:id). */
export const caseDetailShape = z.object({
  id: int,
  title: z.string(),
  priority: int,
  status: z.enum(CASE_STATUSES),
  created_at: millis,
  closed_reason: z.string().nullable(),
  alert_count: int,
  first_seen: millis,
  last_seen: millis,
  links: z.array(z.object({ case_id: int, reason: z.string() })),
  alerts: z.array(alertShape),
  files: z.array(
    z.object({ id: int, file_name: z.string(), content_type: z.string(), size: int, sha256: z.string(), alert_id: z.string() }),
  ),
  hasEml: z.boolean(),
  ...verdictViewShape.shape,
  ...timelineShape.shape,
});

/** requiredWhen: the parameter must be filled while another parameter has this value. */
export const parameterShape = z.object({
  name: z.string(),
  type: z.enum(PARAMETER_TYPES),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  required: z.boolean().optional(),
  requiredUnless: z.string().optional(),
  description: z.string().optional(),
  requiredWhen: z.object({ param: z.string(), equals: z.string() }).optional(),
});

export const connectorDefinitionShape = z.object({
  name: z.string(),
  fileBase: z.string(),
  description: z.string(),
  parameters: z.array(parameterShape),
  productFieldName: z.string(),
  eventFieldName: z.string(),
  intervalSeconds: int,
  timeoutSeconds: int,
  entityMapping: z.record(z.string(), z.string()).optional(),
});
/** An integration as the Connectors page reads it (GET /integrations answers more: actions, jobs, settings). */
export const integrationShape = z.object({
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  hasIcon: z.boolean(),
  builtin: z.boolean(),
  connectors: z.array(connectorDefinitionShape),
});

export const groupingShape = z.object({ mode: z.enum(GROUPING_MODES), windowHours: z.number(), maxAlerts: int });
/** A connector instance (GET /connectors, GET /connectors/:name): parameters secret-free, its last runs. */
export const connectorViewShape = z.object({
  id: int,
  name: z.string(),
  integration: z.string(),
  definition: z.string(),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  enabled: z.boolean(),
  intervalSeconds: int,
  grouping: groupingShape,
  productFieldName: z.string().nullable(),
  eventFieldName: z.string().nullable(),
  timeoutSeconds: int.nullable(),
  problem: z.string().nullable(),
  failing: z.boolean(),
  lastRuns: z.array(z.object({ id: int, status: z.string(), started_at: millis, ingested: int, error: z.string().nullable() })),
});

export const logEntryShape = z.object({ level: z.string(), message: z.string(), time: millis });

/** A run of the history (GET /runs). */
export const runRowShape = z.object({
  id: int,
  connector: z.string(),
  is_test: int,
  status: z.string(),
  started_at: millis,
  finished_at: millis.nullable(),
  fetched: int,
  alerts: int,
  ingested: int,
  duplicates: int,
  failed: int,
  skipped: int,
  error: z.string().nullable(),
  /** Queue mode: the worker that ran it (null: embedded serve or the CLI), with its host and PID while its row is kept. */
  worker: z.string().nullable(),
  worker_host: z.string().nullable(),
  worker_pid: int.nullable(),
});
export const runListShape = z.object({ runs: z.array(runRowShape), nextCursor: int.nullable() });

/** The answer of Run once and Test (POST /connectors/:name/run, /test). */
export const runResultShape = z.object({
  runId: int,
  status: z.string(),
  fetched: int,
  alerts: int,
  ingested: int,
  duplicates: int,
  failed: int,
  ms: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  package: z.array(z.unknown()).optional(),
  logs: z.array(logEntryShape),
});

/** A queue-mode worker (GET /workers). */
export const workerRowShape = z.object({
  id: z.string(),
  host: z.string(),
  pid: int,
  concurrency: int,
  startedAt: millis,
  heartbeatAt: millis,
  stoppedAt: millis.nullable(),
  runsActive: int,
  state: z.enum(["alive", "stopped", "lost"]),
});

/** A threat-intel feed (GET /feeds). */
export const feedShape = z.object({
  name: z.string(),
  format: z.string(),
  source: z.string(),
  intervalSeconds: int,
  reliability: z.enum(SOURCE_RELIABILITIES),
  indicators: int,
  refreshedAt: millis.nullable(),
  error: z.string().nullable(),
  errorAt: millis.nullable(),
});

/** A playbook's trigger, as GET /playbooks lists it. */
export const playbookTriggerShape = z.object({
  event: z.literal("case_created"),
  connector: z.string().optional(),
  product: z.string().optional(),
  environment: z.string().optional(),
  priority: int.optional(),
  entityTypes: z.array(z.string()).optional(),
});
/** A row of GET /playbooks. */
export const playbookSummaryShape = z.object({
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  trigger: playbookTriggerShape,
  steps: int,
  sourceIntegration: z.string().nullable(),
  updatedAt: millis,
});

/** The shapes by name, as the OpenAPI document's components list them. */
export const API_SHAPES = {
  User: userShape,
  CaseSummary: caseSummaryShape,
  CaseList: caseListShape,
  CaseDetail: caseDetailShape,
  Timeline: timelineShape,
  VerdictView: verdictViewShape,
  Integration: integrationShape,
  ConnectorView: connectorViewShape,
  RunRow: runRowShape,
  RunList: runListShape,
  RunResult: runResultShape,
  WorkerRow: workerRowShape,
  Feed: feedShape,
  PlaybookSummary: playbookSummaryShape,
} as const;

export type User = z.infer<typeof userShape>;
export type CaseSummary = z.infer<typeof caseSummaryShape>;
export type Entity = z.infer<typeof entityShape>;
export type Alert = z.infer<typeof alertShape>;
export type Comment = z.infer<typeof commentShape>;
export type HistoryEntry = z.infer<typeof historyEntryShape>;
export type Timeline = z.infer<typeof timelineShape>;
export type VerdictEvidence = z.infer<typeof verdictEvidenceShape>;
export type VerdictView = z.infer<typeof verdictViewShape>;
export type CaseDetail = z.infer<typeof caseDetailShape>;
export type Parameter = z.infer<typeof parameterShape>;
export type ConnectorDefinition = z.infer<typeof connectorDefinitionShape>;
export type Integration = z.infer<typeof integrationShape>;
export type Grouping = z.infer<typeof groupingShape>;
export type ConnectorView = z.infer<typeof connectorViewShape>;
export type LogEntry = z.infer<typeof logEntryShape>;
export type RunRow = z.infer<typeof runRowShape>;
export type RunResult = z.infer<typeof runResultShape>;
export type WorkerRow = z.infer<typeof workerRowShape>;
export type Feed = z.infer<typeof feedShape>;
export type PlaybookSummary = z.infer<typeof playbookSummaryShape>;
