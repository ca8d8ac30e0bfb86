// The in-process worker of `intake serve`: new cases matched, step kinds swept (time limits, answers), steps run, over and over.
import type { Store } from "../store/index.js";
import { wakeableSleep } from "../store/wake.js";
import { createExecutor } from "./index.js";
import { sweepTriggers, type SweepMark } from "./trigger.js";
import type { ExecutorOptions } from "./executor.js";

/** How often the worker looks for new cases and due approvals when the queue is empty. */
const POLL_MS = 2000;

export interface PlaybookWorker {
  /** Ends the loop after the steps under way finish. */
  stop(): Promise<void>;
}

export function startPlaybookWorker(
  store: Store,
  options: Partial<ExecutorOptions> & { onError?: (error: unknown) => void } = {},
): PlaybookWorker {
  const executor = createExecutor(store, options);
  const controller = new AbortController();
  // Cases this process stores (a push run under serve) wake the worker at once: the poll alone left a new
  // case waiting 1 s on average, up to 2 s, before its playbook started. Other processes' cases wait for the poll.
  const sleeper = wakeableSleep(store, "cases");
  const mark: SweepMark = { after: 0 };
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        await sweepTriggers(store, executor, mark);
        await executor.sweep();
        await executor.drain({ signal: controller.signal });
      } catch (error) {
        options.onError?.(error);
      }
      if (!controller.signal.aborted) await sleeper.sleep(POLL_MS);
    }
  })();
  return {
    async stop() {
      controller.abort();
      sleeper.wakeNow();
      await loop;
      sleeper.close();
    },
  };
}
