// The parameters Search Mailboxes, Purge Email and Restore Email share, read once for the three.
import type { ActionExecution } from "intake/sdk";

export interface CleanParams {
  bySender: boolean;
  windowHours: number;
  parallel: number;
  timeoutSeconds: number;
}

const bounded = (value: number, low: number, high: number) => Math.min(high, Math.max(low, Math.trunc(value)));

export function cleanParams(execution: ActionExecution, matching: boolean): CleanParams {
  return {
    bySender: matching ? execution.extractActionParam("Match Sender And Subject", { inputType: "boolean", defaultValue: true }) : false,
    windowHours: matching ? bounded(execution.extractActionParam("Window Hours", { inputType: "int", defaultValue: 72 }), 1, 24 * 90) : 0,
    parallel: bounded(execution.extractActionParam("Parallel Mailboxes", { inputType: "int", defaultValue: 8 }), 1, 32),
    timeoutSeconds: bounded(execution.extractActionParam("Mailbox Timeout Seconds", { inputType: "int", defaultValue: 20 }), 1, 300),
  };
}
