// A step's job on the queue and how its results are kept: shared by the executor and the step kinds.

export const STEP_JOB = "playbook-step";
/** Bytes kept of a step's JSON result and logs. */
const MAX_STORED = 256 * 1024;

export interface StepJob {
  runId: number;
  stepId: string;
}

/** The key of a step's job and of the action it runs: `pb:<run>:<step>`. */
export function stepKey(runId: number, stepId: string): string {
  return `pb:${runId}:${stepId}`;
}

/** A value as stored JSON, or a note of its size when it is larger than what is kept. */
export function bounded(value: unknown): string | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text.length > MAX_STORED ? JSON.stringify({ truncated: true, size: text.length }) : text;
}
