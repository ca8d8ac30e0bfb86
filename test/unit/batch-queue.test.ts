// The email connector's queue between fetching and handing over: items in order, never more held than
// its capacity (room comes back only on release), and an end or a stop that wakes whoever waits.
import { describe, expect, it } from "vitest";
import { BatchQueue } from "../../integrations/email/lib/batch-queue.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("BatchQueue", () => {
  it("gives items in order and holds at most its capacity until they are released", async () => {
    const queue = new BatchQueue<number>(2);
    let produced = 0;
    const producer = (async () => {
      for (let item = 1; item <= 5 && (await queue.room()); item++) {
        queue.push(item);
        produced = item;
      }
      queue.end();
    })();
    await tick();
    expect(produced).toBe(2);
    expect(await queue.take()).toBe(1);
    expect(await queue.take()).toBe(2);
    // Taken is not released: no room yet.
    await tick();
    expect(produced).toBe(2);
    queue.release();
    await tick();
    expect(produced).toBe(3);
    const rest: number[] = [];
    for (let item = await queue.take(); item !== undefined; item = await queue.take()) {
      rest.push(item);
      queue.release();
    }
    await producer;
    expect(rest).toEqual([3, 4, 5]);
  });

  it("once stopped, drops what is queued and answers no room and no item to whoever waits", async () => {
    const queue = new BatchQueue<string>(1);
    queue.push("a");
    const waitingForRoom = queue.room();
    queue.stop();
    expect(await waitingForRoom).toBe(false);
    expect(await queue.take()).toBeUndefined();
    queue.push("b");
    expect(await queue.take()).toBeUndefined();
  });

  it("wakes a consumer waiting for an item when the producer ends", async () => {
    const queue = new BatchQueue<string>(1);
    const waiting = queue.take();
    queue.end();
    expect(await waiting).toBeUndefined();
  });

  it("refuses a capacity below one", () => {
    expect(() => new BatchQueue(0)).toThrow(/capacity must be a whole number of at least 1 \(got 0\)/);
  });
});
