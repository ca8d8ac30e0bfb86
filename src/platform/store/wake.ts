// Wake-ups inside one process: a part that committed what another part's loop waits for (cases stored by
// an ingest, replies staged in the outbox) says so, and under `intake serve` that loop goes round now
// instead of at its next poll (the playbook worker's and the outbox sender's 2 s). Only this process's
// commits are told: the loops keep their polls for the rest (an `intake connector run` in another process,
// a retry come due), so a missed wake-up costs a poll's wait, never a case or a reply.
import { EventEmitter } from "node:events";
import type { Store } from "./index.js";

export type WakeTopic = "cases" | "outbox";

const emitters = new WeakMap<Store, EventEmitter>();

/** Tells this process's loops on `store` that `topic` has something new (after the commit). */
export function wake(store: Store, topic: WakeTopic): void {
  emitters.get(store)?.emit(topic);
}

/**
 * A loop's sleep that a wake-up of `topic` on `store` ends early. A wake-up while the loop is at work (not
 * asleep) is kept, so that the next sleep returns at once: what was committed meanwhile is not left to the poll.
 */
export function wakeableSleep(store: Store, topic: WakeTopic): { sleep(ms: number): Promise<void>; wakeNow(): void; close(): void } {
  let emitter = emitters.get(store);
  if (!emitter) {
    emitter = new EventEmitter();
    emitters.set(store, emitter);
  }
  let pending = false;
  let resolveSleep: (() => void) | undefined;
  const wakeNow = () => {
    pending = true;
    resolveSleep?.();
  };
  emitter.on(topic, wakeNow);
  const owner = emitter;
  return {
    sleep(ms) {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        timer.unref();
        function done() {
          clearTimeout(timer);
          resolveSleep = undefined;
          pending = false;
          resolve();
        }
        resolveSleep = done;
      });
    },
    wakeNow,
    close: () => void owner.off(topic, wakeNow),
  };
}
