// `npm run bench -- --intel [--indicators N]`: a feed of N indicators (default 1,000,000) read through
// `intake feeds refresh` (the sandboxed job, staged and committed), then lookups per second against it.
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { makeWorkspace, PROJECT_ROOT } from "../test/support/cli.js";
import { openStore } from "../src/platform/store/index.js";
import { lookupIndicators } from "../src/platform/intel/index.js";

const INTAKE = path.join(PROJECT_ROOT, "bin", "intake.js");
/** Items per lookup call, as an action asks for a case's entities at once. */
const ITEMS_PER_CALL = 100;
const LOOKUP_SECONDS = 10;

export interface IntelBench {
  indicators: number;
  refreshSeconds: number;
  lookupsPerSecond: number;
  hitRate: number;
  itemsPerCall: number;
}

export async function intelBench(count: number): Promise<IntelBench> {
  const ws = makeWorkspace();
  try {
    const file = path.join(ws.dir, "openphish.txt");
    const out = fs.createWriteStream(file);
    for (let i = 0; i < count; i++) out.write(`http://host${i % 50_000}.bench-evil${i % 997}.test/login/${i}\n`);
    await new Promise((resolve) => out.end(resolve));
    const run = (args: string[]) =>
      execFileSync(process.execPath, [INTAKE, ...args], { env: { ...process.env, ...ws.env }, cwd: ws.dir, encoding: "utf8" });
    run(["feeds", "add", "bench", "--format", "openphish", "--source", file]);
    const started = performance.now();
    const refreshed = JSON.parse(run(["feeds", "refresh", "bench", "--json"]).trim().split("\n").pop()!) as {
      feeds: { indicators: number }[];
    };
    const refreshSeconds = (performance.now() - started) / 1000;
    const store = await openStore(ws.db);
    try {
      let lookups = 0;
      let hits = 0;
      const until = performance.now() + LOOKUP_SECONDS * 1000;
      const lookupStart = performance.now();
      while (performance.now() < until) {
        // Half listed URLs (written as analysts see them: upper-case host, no trailing slash), half not.
        const items = Array.from({ length: ITEMS_PER_CALL }, (_, j) => {
          const i = Math.floor(Math.random() * count);
          return j % 2 === 0
            ? { entityType: "URL", identifier: `HTTP://HOST${i % 50_000}.BENCH-EVIL${i % 997}.TEST/login/${i}` }
            : { entityType: "URL", identifier: `http://clean${i}.test/x` };
        });
        const matches = await lookupIndicators(store, items);
        hits += new Set(matches.filter((m) => m.kind === "url").map((m) => m.identifier)).size;
        lookups += items.length;
      }
      const seconds = (performance.now() - lookupStart) / 1000;
      return {
        indicators: refreshed.feeds[0]!.indicators,
        refreshSeconds: +refreshSeconds.toFixed(1),
        lookupsPerSecond: Math.round(lookups / seconds),
        hitRate: +(hits / lookups).toFixed(3),
        itemsPerCall: ITEMS_PER_CALL,
      };
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(ws.dir, { recursive: true, force: true });
  }
}
