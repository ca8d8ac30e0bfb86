// The priority scale of SecOps alerts and cases: defined here once, for connectors, the platform and the console.

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

const NAMES = new Map<number, string>(Object.entries(Priority).map(([key, value]) => [value, key[0] + key.slice(1).toLowerCase()]));

export function isPriority(value: unknown): value is PriorityValue {
  return typeof value === "number" && NAMES.has(value);
}

export function priorityName(value: number): string {
  return NAMES.get(value) ?? String(value);
}
