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
export { EMAIL_ADDRESS_PATTERN, MAX_ALERT_EVENTS, MAX_CASE_ALERTS, MAX_EARLIER_CASES, MAX_EARLIER_QUERIES, MAX_EMAILS, MESSAGE_ID_PATTERN } from "./action.js";
export type { CaseUpdates, CaseVerdictUpdate, EarlierCase, EarlierCaseQuery } from "./action.js";
export { VERDICTS, isVerdict, MAX_VERDICT_REASONS, MAX_VERDICT_REASON_LENGTH } from "./verdict.js";
export type { Verdict } from "./verdict.js";
export type { ActionEntity, ActionExecutionInit, CaseAlert, CurrentCase, ActionResult, ActionResultValue, EntityInsight, EntityUpdate, ExecutionStateValue, OutgoingEmail, RenderedReply } from "./action.js";
export { JobExecution } from "./job.js";
export type { JobExecutionInit } from "./job.js";
export { CodeExecution } from "./code-execution.js";
export type { AskPlatform, CodeExecutionInit, ExtractParam } from "./code-execution.js";
export { INTEL_SERVICES, MAX_INDICATORS_PER_CHUNK, MAX_INDICATOR_LENGTH, MAX_INDICATOR_NOTE_LENGTH, MAX_LOOKUP_ITEMS } from "./intel.js";
export type { FeedIndicator, IndicatorLookupItem, IndicatorMatch, IndicatorMatchKind } from "./intel.js";
export { ENTITY_TYPES, isEntityType } from "./entity-types.js";
export type { EntityType } from "./entity-types.js";
export { ConnectorError, IntakeError, ParameterError } from "./errors.js";
export { runBoundedScript } from "./script.js";
export type { BoundedScript } from "./script.js";
export { Priority, isPriority, priorityName } from "./priority.js";
export type { PriorityValue } from "./priority.js";
export { convertDatetimeToUnixTime, convertStringToDatetime, isTimeZone, timeZoneOffsetMinutes, unixNow } from "./time.js";
export * from "../indicators/index.js";
