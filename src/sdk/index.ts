// The public SDK of Intake connectors: `import { ConnectorExecution, AlertInfo } from "intake/sdk"`.
export { AlertInfo, ENTITY_ROLES, MAX_ENTITY_DEPTH } from "./alert.js";
export type { AlertAttachment, Entity, EntityRole, EventRecord } from "./alert.js";
export {
  ConnectorExecution,
  outputHandler,
} from "./execution.js";
export type {
  AlertOutcome,
  AlertResult,
  ConnectorLogger,
  ExecutionInit,
  ExecutionTransport,
  ExtractParamOptions,
  LogEntry,
  LogLevel,
  PackageResult,
  ParamInputType,
} from "./execution.js";
export { ActionExecution, ExecutionState } from "./action.js";
export {
  CASE_SERVICES,
  EMAIL_ADDRESS_PATTERN,
  MAX_ALERT_EVENTS,
  MAX_CASE_ALERTS,
  MAX_EARLIER_CASES,
  MAX_EARLIER_QUERIES,
  MAX_EMAILS,
  MAX_PREVALENCE_CASES,
  MAX_PREVALENCE_DOMAINS,
  MESSAGE_ID_PATTERN,
} from "./action.js";
export type { CaseUpdates, CaseVerdictUpdate, DomainPrevalence, EarlierCase, EarlierCaseQuery, VerdictGrounds } from "./action.js";
export {
  EVIDENCE_KINDS,
  MAX_EVIDENCE_INDICATOR_LENGTH,
  MAX_EVIDENCE_NAME_LENGTH,
  MAX_EVIDENCE_WEIGHT,
  MAX_VERDICT_EVIDENCE,
  MAX_VERDICT_REASONS,
  MAX_VERDICT_REASON_LENGTH,
} from "./verdict.js";
export type { EvidenceKind, VerdictEvidence } from "./verdict.js";
export type {
  ActionEntity,
  ActionExecutionInit,
  CaseAlert,
  CurrentCase,
  ActionResult,
  ActionResultValue,
  EntityInsight,
  EntityUpdate,
  ExecutionStateValue,
  OutgoingEmail,
  RenderedReply,
} from "./action.js";
export { MAILBOX_MOVE_STATUSES, MAILBOX_SERVICES, MAX_MAILBOX_MOVES_PER_CALL } from "./mailbox.js";
export type { MailboxMove, MailboxMoveStatus, MailboxMoveUpdate, NewMailboxMove } from "./mailbox.js";
export { JobExecution } from "./job.js";
export type { JobExecutionInit } from "./job.js";
export { CodeExecution } from "./code-execution.js";
export type { AskPlatform, CodeExecutionInit, ExtractParam } from "./code-execution.js";
export {
  DEFAULT_SOURCE_RELIABILITY,
  INTEL_SERVICES,
  MAX_INDICATORS_PER_CHUNK,
  MAX_INDICATOR_LENGTH,
  MAX_INDICATOR_NOTE_LENGTH,
  MAX_LOOKUP_ITEMS,
  SOURCE_RELIABILITIES,
} from "./intel.js";
export type { FeedIndicator, IndicatorLookupItem, IndicatorMatch, IndicatorMatchKind, SourceReliability } from "./intel.js";
export { FEED_FORMAT_TABLE, FEED_FORMATS, feedFormat, feedFormatChoices, isFeedFormat } from "./feed-formats.js";
export type { FeedFormat, FeedFormatRow } from "./feed-formats.js";
export { ENTITY_TYPES, isEntityType } from "./entity-types.js";
export type { EntityType } from "./entity-types.js";
export { ConnectorError, IntakeError, ParameterError } from "./errors.js";
export { runBoundedScript } from "./script.js";
export type { BoundedScript } from "./script.js";
export {
  CASE_STATUSES,
  GROUPING_MODES,
  isCaseStatus,
  isGroupingMode,
  isPriority,
  isVerdict,
  PLAYBOOK_LIMITS,
  Priority,
  PRIORITIES,
  priorityName,
  USER_ROLES,
  VERDICTS,
} from "./vocabulary.js";
export type { CaseStatus, GroupingMode, PriorityValue, UserRole, Verdict } from "./vocabulary.js";
export { convertDatetimeToUnixTime, convertStringToDatetime, isTimeZone, timeZoneOffsetMinutes, unixNow } from "./time.js";
export * from "../indicators/index.js";
