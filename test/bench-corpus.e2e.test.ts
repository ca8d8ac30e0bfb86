// The baseline's own yardstick, when it is there (../shared/bench beside the clone, or INTAKE_BENCH_DIR):
// its gen_corpus.py writes 2,000 reports into Dovecot's Maildir, the connector reads them in a test run,
// and its score_urls.py scores the package. Without those tools this file has nothing to measure.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDovecot, type Dovecot } from "./support/dovecot.js";
import { makeWorkspace, PROJECT_ROOT } from "./support/cli.js";

const BENCH = process.env.INTAKE_BENCH_DIR ?? path.join(PROJECT_ROOT, "..", "shared", "bench");
const present =
  fs.existsSync(path.join(BENCH, "gen_corpus.py")) &&
  fs.existsSync(path.join(BENCH, "score_urls.py")) &&
  spawnSync("python3", ["--version"]).status === 0;

let server: Dovecot | undefined;
afterAll(async () => {
  await server?.stop();
});

describe("the baseline's corpus and scorer", () => {
  it.skipIf(!present)("scores URL precision and recall of at least 0.99 on gen_corpus.py's 2,000 reports", async () => {
    server = await startDovecot();
    const root = process.getuid?.() === 0;
    const truth = path.join(path.dirname(server.maildir.replace(/\/+$/, "")), "truth.jsonl");
    fs.rmSync(truth, { force: true });
    execFileSync("python3", [path.join(BENCH, "gen_corpus.py"), server.maildir, "2000", "7", ...(root ? ["--owner", "vmail"] : [])]);
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    await ws.intake(["connector", "create", "mail", "--integration", "email", "--params", ws.writeJson("p.json", server.params())]);
    const run = await ws.intake(["connector", "run", "mail", "--test", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const pkg = path.join(ws.dir, "package.json");
    fs.writeFileSync(pkg, run.stdout.trim().split("\n")[0]!);
    const score = execFileSync("python3", [path.join(BENCH, "score_urls.py"), pkg, truth], { encoding: "utf8" }).trim();
    console.log(`score_urls.py: ${score}`);
    const precision = Number(/precision=([0-9.]+)/.exec(score)?.[1]);
    const recall = Number(/recall=([0-9.]+)/.exec(score)?.[1]);
    expect(score).toContain("matched=2000/2000");
    expect(precision).toBeGreaterThanOrEqual(0.99);
    expect(recall).toBeGreaterThanOrEqual(0.99);
  });
});
