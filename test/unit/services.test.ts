// The services table (platform/services): what runs where and in which order, and the one stack that starts them in
// order, stops them in reverse (a failed start leaving nothing running), and the one grace drain.
import { describe, expect, it } from "vitest";
import { finishedWithin, servicesFor, ServiceStack } from "../../src/platform/services/index.js";

const names = (where: Parameters<typeof servicesFor>[0]) => servicesFor(where).map((service) => service.name);

describe("the services table", () => {
  it("gives intake serve the whole platform, the schedule last so that it stops first", () => {
    expect(names("embedded")).toEqual(["warm code processes", "outbox", "feeds", "playbooks", "schedule"]);
  });

  it("gives a worker the queue first and its schedule last: the queue stops after everything that uses it", () => {
    expect(names("worker")).toEqual([
      "queue",
      "worker registration",
      "warm code processes",
      "outbox",
      "playbooks",
      "connector runs",
      "leader lock",
      "push watches",
      "queue schedule",
    ]);
  });

  it("gives the leader the scheduled jobs and the feed refreshes", () => {
    expect(names("leader")).toEqual(["feeds", "schedule"]);
  });
});

describe("a service stack", () => {
  const recorder = () => {
    const said: string[] = [];
    const row = (name: string, options: { failStart?: boolean; failStop?: boolean } = {}) => ({
      name,
      async start() {
        if (options.failStart) throw new Error(`${name} cannot start`);
        said.push(`start ${name}`);
        return async () => {
          said.push(`stop ${name}`);
          if (options.failStop) throw new Error("refused");
        };
      },
    });
    return { said, row };
  };

  it("stops in the reverse order of the start, what the caller added in its turn, and says a stop that failed", async () => {
    const { said, row } = recorder();
    const notices: string[] = [];
    const stack = new ServiceStack((message) => notices.push(message));
    await stack.start([row("a"), row("b", { failStop: true })], undefined);
    stack.add("api", async () => void said.push("stop api"));
    await stack.start([row("c")], undefined);
    expect(stack.stopping.aborted).toBe(false);
    await stack.stop();
    expect(stack.stopping.aborted).toBe(true);
    expect(said).toEqual(["start a", "start b", "start c", "stop c", "stop api", "stop b", "stop a"]);
    expect(notices).toEqual(["b: could not stop: refused"]);
  });

  it("stops what it started when one cannot start, and throws that one's error", async () => {
    const { said, row } = recorder();
    const stack = new ServiceStack(() => undefined);
    const rows = [row("a"), row("b"), row("c", { failStart: true }), row("d")];
    await expect(stack.start(rows, undefined)).rejects.toThrow("c cannot start");
    expect(said).toEqual(["start a", "start b", "stop b", "stop a"]);
  });

  it("waits for work up to a grace period, and says whether it all finished", async () => {
    const quick = new Promise((resolve) => setTimeout(resolve, 10));
    expect(await finishedWithin([quick, Promise.reject(new Error("failed work counts as finished"))], 1_000)).toBe(true);
    const started = Date.now();
    expect(await finishedWithin([new Promise(() => undefined)], 100)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});
