// The email connector's readers: on two cores the connector reads on its own thread; where reader
// threads run (more cores), a batch read there gives the same outcomes, in order, as read here.
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import { readerThreadsFor, readAll, recordParameters, type ReaderPool as Pool } from "../../integrations/email/lib/reader-pool.js";
import { readSettings } from "../../integrations/email/lib/settings.js";

const DIR = path.join(PROJECT_ROOT, "test", "fixtures", "mail");

describe("reader threads", () => {
  it("are none on two cores and at most two", () => {
    expect([1, 2, 3, 4, 8, 64].map(readerThreadsFor)).toEqual([0, 0, 1, 2, 2, 2]);
  });

  it("give the outcomes of a batch in its order, the same as reading it on this thread", async () => {
    // The pool is its own worker script only when bundled, as the connector's compiled module is.
    const out = path.join(PROJECT_ROOT, "node_modules", ".cache", "intake-reader-pool-test", "reader-pool.mjs");
    await build({
      entryPoints: [path.join(PROJECT_ROOT, "integrations/email/lib/reader-pool.ts")], outfile: out, bundle: true, platform: "node", format: "esm",
      alias: { "intake/sdk": path.join(PROJECT_ROOT, "src/sdk/index.ts") }, logLevel: "warning",
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    });
    const bundled = (await import(out)) as { ReaderPool: new (...args: unknown[]) => Pool };
    const recorded = recordParameters({ extractConnectorParam: ((name: string, options?: { defaultValue?: unknown }) => ({ Username: "a@example.test", Password: "p", "IMAP Server Address": "imap.example.test" } as Record<string, unknown>)[name] ?? options?.defaultValue) as never });
    const settings = readSettings(recorded.source);
    const tasks = fs.readdirSync(DIR).filter((f) => f.endsWith(".eml")).sort().map((file, i) => ({ uid: i + 1, source: fs.readFileSync(path.join(DIR, file)), folder: "INBOX", internalDate: new Date("2026-11-20T00:00:00Z") }));
    const pool = new bundled.ReaderPool(settings, recorded.values, 1);
    pool.start();
    // Kept alive meanwhile: the pool's threads do not hold the process open on their own.
    const keep = setInterval(() => undefined, 1000);
    try {
      const [first, second] = await Promise.all([pool.read(tasks.slice(0, 20)), pool.read(tasks.slice(20))]);
      const threaded = [...first, ...second];
      const here = await readAll(settings, tasks);
      expect(threaded.map((o) => o.uid)).toEqual(tasks.map((t) => t.uid));
      // Compared as the platform gets them: bytes by their length (the original message is checked below).
      const plain = (outcome: (typeof here)[number]) => JSON.parse(JSON.stringify(outcome, (_, value: unknown) => (value instanceof Uint8Array ? `${value.byteLength} bytes` : value))) as unknown;
      for (const [i, outcome] of threaded.entries()) expect(plain(outcome), `UID ${tasks[i]!.uid}`).toEqual(plain(here[i]!));
      // The original message comes back as the very bytes given, not a copy sent back and forth.
      expect(threaded[0]!.alerts[0]!.attachments[0]!.data).toBe(tasks[0]!.source);
    } finally {
      clearInterval(keep);
      await pool.close();
    }
  });
});
