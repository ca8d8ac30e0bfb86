// The cases: reading them back (queries.ts), changing them (actions.ts), their verdicts and who reported them.
export { exportCases, group, loadCases, type ExportedAlert, type ExportedCase, type ExportedEvent } from "./queries.js";
export {
  caseFiles,
  caseHistory,
  caseTimeline,
  findCase,
  isOriginalMessage,
  listCases,
  MAX_PAGE,
  newestCases,
  originalMessage,
  requireCase,
} from "./queries.js";
export type { CaseAction, CaseFile, CaseListQuery, CaseTimeline, ListedCase } from "./queries.js";
export { addCaseComment, mergeCases, moveAlertOut, setCasePriority, setCaseStatus } from "./actions.js";
export { applyCaseUpdates, caseServices, caseVerdict, findEarlierCases, overrideVerdict, verdictHistory, verdictOf } from "./verdicts.js";
export type { CaseVerdict, VerdictHistoryEntry } from "./verdicts.js";
export {
  CASE_STATUSES,
  isCaseStatus,
  isVerdict,
  VERDICTS,
  type Verdict,
  PRIORITIES,
  priorityName,
  type CaseStatus,
} from "../../sdk/vocabulary.js";
export { reportedSenders, reportersOf } from "./reporting.js";
export type { RoleEntity } from "./reporting.js";
