// How a code process (a connector's, an action's, a job's) is started: its V8 flags follow the machine's cores.
import { describe, expect, it } from "vitest";
import { codeProcessNodeFlags, gcFlags } from "../../src/platform/runner/code-process.js";

describe("a code process", () => {
  it("collects garbage on its own thread on two cores or fewer, with V8's helper threads beyond", () => {
    expect([1, 2, 3, 4, 64].map((cores) => gcFlags(cores).includes("--single-threaded-gc"))).toEqual([true, true, false, false, false]);
  });

  it("starts its old generation at 32 MB, never above half its memory cap", () => {
    const sizes = (memoryMb: number) => codeProcessNodeFlags(memoryMb).filter((flag) => flag.includes("old-space-size"));
    expect(sizes(1024)).toEqual(["--max-old-space-size=1024", "--initial-old-space-size=32"]);
    expect(sizes(32)).toEqual(["--max-old-space-size=32", "--initial-old-space-size=16"]);
  });
});
