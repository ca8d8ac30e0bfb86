// The words the SDK, the platform and the console share (verdicts, case statuses, priorities, grouping modes,
// playbook limits), declared once: no imports, so integrations ("intake/sdk"), the platform and the web build read it.

/** A case's verdict. */
export const VERDICTS = ["malicious", "suspicious", "benign", "simulation", "unknown"] as const;
export type Verdict = (typeof VERDICTS)[number];

export function isVerdict(value: unknown): value is Verdict {
  return (VERDICTS as readonly unknown[]).includes(value);
}

/** A case's status. */
export const CASE_STATUSES = ["open", "in_progress", "closed"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export function isCaseStatus(value: unknown): value is CaseStatus {
  return (CASE_STATUSES as readonly unknown[]).includes(value);
}

/** The priority scale of SecOps alerts and cases. */
export const Priority = {
  INFORMATIVE: -1,
  LOW: 40,
  MEDIUM: 60,
  HIGH: 80,
  CRITICAL: 100,
} as const;

export type PriorityValue = (typeof Priority)[keyof typeof Priority];

/** Every value of the scale, lowest first. */
export const PRIORITIES: readonly PriorityValue[] = Object.values(Priority);

const PRIORITY_NAMES = new Map<number, string>(
  Object.entries(Priority).map(([key, value]) => [value, key[0] + key.slice(1).toLowerCase()]),
);

export function isPriority(value: unknown): value is PriorityValue {
  return typeof value === "number" && PRIORITY_NAMES.has(value);
}

export function priorityName(value: number): string {
  return PRIORITY_NAMES.get(value) ?? String(value);
}

/** How ingest groups a connector's alerts into cases: not at all, by campaign, or by a shared indicator. */
export const GROUPING_MODES = ["off", "campaign", "indicator"] as const;
export type GroupingMode = (typeof GROUPING_MODES)[number];

export function isGroupingMode(value: unknown): value is GroupingMode {
  return (GROUPING_MODES as readonly unknown[]).includes(value);
}

/** Bounds of a playbook: steps in it, and actions one parallel group runs at once. */
export const PLAYBOOK_LIMITS = { maxSteps: 100, maxParallel: 5 } as const;

/** A console user's role: an admin changes settings, an analyst works cases. */
export const USER_ROLES = ["admin", "analyst"] as const;
export type UserRole = (typeof USER_ROLES)[number];

/**
 * A feed's source reliability, XSOAR's scale: A completely reliable, B usually, C fairly (the default),
 * D not usually, E unreliable, F cannot be judged.
 */
export const SOURCE_RELIABILITIES = ["A", "B", "C", "D", "E", "F"] as const;
export type SourceReliability = (typeof SOURCE_RELIABILITIES)[number];
export const DEFAULT_SOURCE_RELIABILITY: SourceReliability = "C";
