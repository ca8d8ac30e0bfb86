// The in-process worker of `intake serve`: new cases matched, approvals' time limits applied, steps run, over and over.
import type { Store } from "../store/index.js";
import { createExecutor } from "./index.js";
import { sweepTriggers, type SweepMark } from "./trigger.js";
import type { ExecutorOptions } from "./executor.js";

/** How often the worker looks for new cases and due approvals when the queue is empty. */
const POLL_MS = 2000;

export interface PlaybookWorker {
  /** Ends the loop after the steps under way finish. */
  stop(): Promise<void>;
}

export function startPlaybookWorker(store: Store, options: Partial<ExecutorOptions> & { onError?: (error: unknown) => void } = {}): PlaybookWorker {
  const executor = createExecutor(store, options);
  const controller = new AbortController();
  let wake: (() => void) | undefined;
  const mark: SweepMark = { after: 0 };
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        await sweepTriggers(store, executor, mark);
        await executor.sweepApprovals();
        await executor.drain({ signal: controller.signal });
      } catch (error) {
        options.onError?.(error);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, POLL_MS).unref();
      });
    }
  })();
  return {
    async stop() {
      controller.abort();
      wake?.();
      await loop;
    },
  };
}
