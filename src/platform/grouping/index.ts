// Campaign grouping: which case a new alert belongs to, and the normal forms it compares.
export { COMMON_URL_SUBJECTS, decideCase, DEFAULT_GROUPING, keysOf, refreshCase } from "./assign.js";
export type { AlertKeys, GroupingDecision, GroupingSettings } from "./assign.js";
export { displaySubject, normaliseSubject, normaliseUrl } from "./normalise.js";
export { queryBuilderLookup } from "./assign.js";
export type { CaseKeyLookup, TimeWindow } from "./assign.js";
export { sqliteGrouping, type SqliteGrouping } from "./sqlite.js";
