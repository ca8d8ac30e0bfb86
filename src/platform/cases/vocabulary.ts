// A case's statuses and priorities, defined once for the store, the case actions, the API's schemas and
// the web console: no Node imports, so that the console's build reads this file too.
export { PRIORITIES, isPriority, priorityName, type PriorityValue } from "../../sdk/priority.js";

export const CASE_STATUSES = ["open", "in_progress", "closed"] as const;

export type CaseStatus = (typeof CASE_STATUSES)[number];

export function isCaseStatus(value: unknown): value is CaseStatus {
  return (CASE_STATUSES as readonly unknown[]).includes(value);
}

export { VERDICTS, isVerdict, type Verdict } from "../../sdk/verdict.js";
