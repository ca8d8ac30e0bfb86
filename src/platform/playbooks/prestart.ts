// Warm code processes for the actions that enabled playbooks run, started with the playbook worker: the
// first report after `intake serve` or `intake worker` starts does not wait for its steps' processes to boot.
import { findAction } from "../catalog/index.js";
import { codeReadRoots, DEFAULT_MEMORY_MB } from "../runner/index.js";
import { warmPool } from "../runner/pool.js";
import type { Store } from "../store/index.js";
import { enabledPlaybooks } from "./queries.js";
import { jobStepsOf } from "./steps/index.js";

/** Starts one idle process per action of the enabled playbooks (as their runs would ask for it); returns how many actions. */
export async function prestartPlaybookActions(store: Store): Promise<number> {
  const pool = warmPool();
  if (!pool) return 0;
  const references = new Set<string>();
  for (const playbook of await enabledPlaybooks(store)) {
    for (const step of playbook.steps) {
      for (const job of jobStepsOf(step)) {
        const reference = (job as { action?: unknown }).action;
        if (typeof reference === "string") references.add(reference);
      }
    }
  }
  let started = 0;
  for (const reference of references) {
    const found = await findAction(store, reference);
    // A file parameter widens what its process may read, per run: such an action gets its process when it runs.
    if (!found || found.action.parameters.some((parameter) => parameter.type === "file")) continue;
    pool.prestart({
      kind: "action",
      memoryMb: found.action.memoryMb ?? DEFAULT_MEMORY_MB,
      readRoots: codeReadRoots(found.integration, found.action, {}, store.dataDir),
    });
    started++;
  }
  return started;
}
