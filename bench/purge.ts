// `npm run bench -- --purge [--mailboxes N] [--parallel N]`: one phish, one copy in each of N mailboxes of a
// real Dovecot (TLS, a master user), moved to each mailbox's quarantine by `intake action run email "Purge
// Email"`: the wall time of the command (process start to exit), then Restore Email's and Search Mailboxes'.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { deliverToMaildir, MASTER_PASSWORD, startDovecot } from "../test/support/dovecot.js";
import { makeWorkspace } from "../test/support/cli.js";
import { mailboxFullPhish } from "../test/support/triage.js";
import { configureEmail, createReportsConnector } from "../test/support/triage-workspace.js";

export interface PurgeBench {
  date: string;
  mailboxes: number;
  highPerformance: boolean;
  parallel: number;
  purge: { seconds: number; moved: number };
  restore: { seconds: number; restored: number };
  search: { seconds: number; found: number };
  again: { seconds: number; moved: number };
}

export async function purgeBench(options: {
  mailboxes: number;
  parallel: number;
  highPerformance: boolean;
  onProgress?: (line: string) => void;
}): Promise<PurgeBench> {
  const people = Array.from({ length: options.mailboxes }, (_, i) => `user${String(i + 1).padStart(4, "0")}`);
  // Dovecot as a server that opens hundreds of sessions a minute runs (its high-performance mode), unless --plain-dovecot.
  const dovecot = await startDovecot({ users: people, masterUser: "intake-admin", highPerformance: options.highPerformance });
  try {
    const messageId = `<bench-${Date.now()}@evil.test>`;
    const phish = mailboxFullPhish(messageId);
    // One copy in each mailbox, written into its Maildir as delivery would.
    for (const person of people) {
      const folder = path.join(dovecot.dir, "mail", person, "Maildir");
      for (const sub of ["cur", "new", "tmp"]) fs.mkdirSync(path.join(folder, sub), { recursive: true });
      fs.writeFileSync(path.join(folder, "new", `${Date.now()}.M1P${process.pid}.bench`), phish);
    }
    if (process.getuid?.() === 0) execFileSync("chown", ["-R", "vmail:vmail", path.join(dovecot.dir, "mail")]);
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: dovecot.caFile });
    const settings = {
      "Mailbox Server Address": "localhost",
      "Mailbox Server Port": dovecot.port,
      "Mailbox Security": "tls",
      "Mailbox Admin Username": "intake-admin",
      "Mailbox Admin Password": MASTER_PASSWORD,
      Mailboxes: people.map((person) => `${person}@example.test`).join(","),
    };
    await configureEmail(ws, settings);
    await createReportsConnector(ws, dovecot.params());
    // The case: the phish itself, reported as it came.
    deliverToMaildir(dovecot, [phish]);
    const ingest = await ws.intake(["connector", "run", "reports", "--json"]);
    if (ingest.code !== 0) throw new Error(ingest.stderr);
    const caseId = String(
      (JSON.parse((await ws.intake(["cases", "export", "--jsonl"])).stdout.trim().split("\n")[0]!) as { id: number }).id,
    );
    const params = ws.writeJson("parallel.json", { "Parallel Mailboxes": options.parallel });
    const timed = async (action: string) => {
      const start = process.hrtime.bigint();
      const result = await ws.intake(["action", "run", "email", action, "--case", caseId, "--params", params, "--json"]);
      const seconds = Math.round(Number(process.hrtime.bigint() - start) / 1e7) / 100;
      if (result.code !== 0) throw new Error(`${action}: ${result.stderr}`);
      const json = ws.lastJson(result).json as Record<string, number>;
      options.onProgress?.(`${action}: ${seconds} s, ${JSON.stringify({ found: json.found, moved: json.moved, restored: json.restored })}`);
      return { seconds, json };
    };
    const search = await timed("Search Mailboxes");
    const purge = await timed("Purge Email");
    const again = await timed("Purge Email");
    const restore = await timed("Restore Email");
    return {
      date: new Date().toISOString(),
      mailboxes: options.mailboxes,
      highPerformance: options.highPerformance,
      parallel: options.parallel,
      purge: { seconds: purge.seconds, moved: purge.json.moved! },
      restore: { seconds: restore.seconds, restored: restore.json.restored! },
      search: { seconds: search.seconds, found: search.json.found! },
      again: { seconds: again.seconds, moved: again.json.moved! },
    };
  } finally {
    await dovecot.stop();
  }
}

export function printPurgeBench(bench: PurgeBench): void {
  console.log(
    `Intake bench --purge: ${bench.mailboxes} mailboxes, ${bench.parallel} at once ` +
      `(Dovecot over TLS, master user${bench.highPerformance ? ", high-performance mode" : ""})`,
  );
  console.log(`  Purge Email:      ${bench.purge.seconds} s, ${bench.purge.moved} copies moved to Quarantine (goal ≤ 10 s)`);
  console.log(`  Purge Email again: ${bench.again.seconds} s, ${bench.again.moved} moved`);
  console.log(`  Restore Email:    ${bench.restore.seconds} s, ${bench.restore.restored} restored`);
  console.log(`  Search Mailboxes: ${bench.search.seconds} s, ${bench.search.found} found`);
}
