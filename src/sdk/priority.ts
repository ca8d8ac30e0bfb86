// The priority scale of SecOps alerts and cases.

export const Priority = {
  INFORMATIVE: -1,
  LOW: 40,
  MEDIUM: 60,
  HIGH: 80,
  CRITICAL: 100,
} as const;

export type PriorityValue = (typeof Priority)[keyof typeof Priority];

const NAMES = new Map<number, string>([
  [-1, "Informative"],
  [40, "Low"],
  [60, "Medium"],
  [80, "High"],
  [100, "Critical"],
]);

export function isPriority(value: unknown): value is PriorityValue {
  return typeof value === "number" && NAMES.has(value);
}

export function priorityName(value: number): string {
  return NAMES.get(value) ?? String(value);
}
