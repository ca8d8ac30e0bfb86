// Wake-ups inside one process (src/platform/store/wake.ts): a loop's sleep ends when its topic is told,
// a wake-up while the loop works is kept for its next sleep, and nothing crosses stores or topics.
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/platform/store/index.js";
import { wake, wakeableSleep } from "../../src/platform/store/wake.js";

// Only the object's identity matters to wake-ups.
const fakeStore = () => ({}) as Store;

async function timed(promise: Promise<void>): Promise<number> {
  const start = performance.now();
  await promise;
  return performance.now() - start;
}

describe("wakeableSleep", () => {
  it("sleeps its time when nothing is told", async () => {
    const store = fakeStore();
    const sleeper = wakeableSleep(store, "cases");
    expect(await timed(sleeper.sleep(100))).toBeGreaterThanOrEqual(90);
    sleeper.close();
  });

  it("ends early when its topic is told on its store, and only then", async () => {
    const store = fakeStore();
    const other = fakeStore();
    const sleeper = wakeableSleep(store, "cases");
    const sleeping = timed(sleeper.sleep(5000));
    wake(other, "cases");
    wake(store, "outbox");
    setTimeout(() => wake(store, "cases"), 50);
    const took = await sleeping;
    expect(took).toBeGreaterThanOrEqual(40);
    expect(took).toBeLessThan(1000);
    sleeper.close();
  });

  it("keeps a wake-up told while the loop works: the next sleep returns at once, the one after sleeps", async () => {
    const store = fakeStore();
    const sleeper = wakeableSleep(store, "outbox");
    wake(store, "outbox");
    expect(await timed(sleeper.sleep(5000))).toBeLessThan(50);
    expect(await timed(sleeper.sleep(100))).toBeGreaterThanOrEqual(90);
    sleeper.close();
  });

  it("hears nothing once closed", async () => {
    const store = fakeStore();
    const sleeper = wakeableSleep(store, "cases");
    sleeper.close();
    wake(store, "cases");
    expect(await timed(sleeper.sleep(100))).toBeGreaterThanOrEqual(90);
  });
});
