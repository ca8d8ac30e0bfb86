// Warm code processes for the actions that enabled playbooks run, started with the playbook worker: the
// first report after `intake serve` or `intake worker` starts does not wait for its steps' processes to boot.
import { findAction } from "../catalog/index.js";
import { codeReadRoots, DEFAULT_MEMORY_MB } from "../runner/index.js";
import { warmPool } from "../runner/pool.js";
import type { Store } from "../store/index.js";
import { enabledPlaybooks } from "./queries.js";
import { actionStep, type ActionStep } from "./steps/action.js";
import { jobStepsOf, stepKindOf } from "./steps/index.js";

/**
 * Starts the idle code process each action of the enabled playbooks will run in (one per integration and kind, as
 * their runs share it); returns how many actions.
 */
export async function prestartPlaybookActions(store: Store): Promise<number> {
  const pool = warmPool();
  if (!pool) return 0;
  const jobs = (await enabledPlaybooks(store)).flatMap((playbook) => playbook.steps.flatMap(jobStepsOf));
  const references = new Set(jobs.filter((job): job is ActionStep => stepKindOf(job) === actionStep).map((job) => job.action));
  let warmed = 0;
  for (const reference of references) {
    const found = await findAction(store, reference);
    // A file parameter widens what its process may read, per run: such an action gets its process when it runs.
    if (!found || found.action.parameters.some((parameter) => parameter.type === "file")) continue;
    pool.prestart({
      kind: "action",
      memoryMb: found.action.memoryMb ?? DEFAULT_MEMORY_MB,
      readRoots: codeReadRoots(found.integration, found.action, {}, store.dataDir),
    });
    warmed++;
  }
  return warmed;
}
