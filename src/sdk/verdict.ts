// A case's verdict: its values, defined once for actions, the platform and the console (no imports).

export const VERDICTS = ["malicious", "suspicious", "benign", "simulation", "unknown"] as const;

export type Verdict = (typeof VERDICTS)[number];

export function isVerdict(value: unknown): value is Verdict {
  return (VERDICTS as readonly unknown[]).includes(value);
}

/** Bounds of a verdict's reasons: how many, and the length of each. */
export const MAX_VERDICT_REASONS = 50;
export const MAX_VERDICT_REASON_LENGTH = 500;
