// `npm run bench -- --verdicts [--seed N]`: how far an analyst can trust the verdicts, measured as a user would. A
// labelled day of reports (bench/verdict-corpus.ts) arrives at a real Dovecot mailbox in batches, as over a day; after
// each batch the email connector ingests it and the built-in phishing-triage playbook judges it (earlier cases pile
// up), with a URLhaus feed listing one link of some of the phish and replies off. Then: the confusion matrix, the rates
// the issue asks for, and every legitimate message judged malicious or suspicious with its reasons.
import fs from "node:fs";
import path from "node:path";
import { deliverToMaildir, startDovecot } from "../test/support/dovecot.js";
import { makeWorkspace, type Workspace } from "../test/support/cli.js";
import { configureTriage, createReportsConnector } from "../test/support/triage-workspace.js";
import { makeVerdictDay, MX, ORG_DOMAIN, urlhausCsv, VIPS, type LabelledReport } from "./verdict-corpus.js";

const VERDICTS = ["malicious", "suspicious", "benign", "simulation", "unknown", "none"] as const;
type Column = (typeof VERDICTS)[number];
type Row = "phish (feed-listed)" | "phish (no feed)" | "legitimate";

export interface VerdictBench {
  date: string;
  seed: number;
  reports: number;
  seconds: number;
  matrix: Record<Row, Record<Column, number>>;
  rates: {
    legitimateMalicious: number;
    legitimateSuspicious: number;
    legitimateBenign: number;
    feedListedMalicious: number;
    feedListedInlineMalicious: string;
    unlistedCaught: number;
  };
  byKind: Record<string, Record<Column, number>>;
  falsePositives: { kind: string; style: string; verdict: string; reasons: string[] }[];
  /** Feed-listed phish not judged malicious. */
  feedMisses: { kind: string; style: string; verdict: string; reasons: string[] }[];
}

interface ExportedCase {
  id: number;
  verdict?: { value: string; reasons: string[] };
  alerts: { display_id: string }[];
}

async function must(ws: Workspace, args: string[]): Promise<string> {
  const result = await ws.intake(args);
  if (result.code !== 0) throw new Error(`intake ${args.join(" ")}: ${result.stderr.trim() || result.stdout.trim()}`);
  return result.stdout;
}

function rowOf(report: LabelledReport): Row {
  if (report.label === "ham") return "legitimate";
  return report.feedUrl ? "phish (feed-listed)" : "phish (no feed)";
}

const emptyRow = (): Record<Column, number> => Object.fromEntries(VERDICTS.map((value) => [value, 0])) as Record<Column, number>;

export async function verdictBench(
  options: { seed?: number; batch?: number; onProgress?: (line: string) => void } = {},
): Promise<VerdictBench> {
  const seed = options.seed ?? 28;
  const batch = options.batch ?? 24;
  const day = await makeVerdictDay({ seed });
  const server = await startDovecot();
  const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
  const started = Date.now();
  try {
    await createReportsConnector(ws, server.params(), ["--grouping", "off"]);
    await configureTriage(ws, { "Reply To Reporter": "false", "Reporter Domains": ORG_DOMAIN, "Trusted Authentication Servers": MX });
    const vips = path.join(ws.dir, "vips.txt");
    fs.writeFileSync(vips, `${VIPS.join("\n")}\n`);
    await must(ws, ["lists", "set", "VIPs", "--file", vips]);
    fs.mkdirSync(path.join(ws.dir, "files"), { recursive: true });
    const feed = path.join(ws.dir, "files", "urlhaus.csv");
    fs.writeFileSync(feed, urlhausCsv(day.flatMap((report) => (report.feedUrl ? [report.feedUrl] : []))));
    await must(ws, ["feeds", "add", "urlhaus", "--format", "urlhaus", "--source", feed]);
    await must(ws, ["feeds", "refresh", "urlhaus"]);

    for (let start = 0; start < day.length; start += batch) {
      deliverToMaildir(
        server,
        day.slice(start, start + batch).map((report) => report.raw),
      );
      await must(ws, ["connector", "run", "reports", "--json"]);
      await must(ws, ["playbooks", "drain", "--json"]);
      options.onProgress?.(`verdicts: ${Math.min(start + batch, day.length)} of ${day.length} reports judged`);
    }
    const exported = (await must(ws, ["cases", "export", "--jsonl"]))
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ExportedCase);
    const verdictOf = new Map<string, ExportedCase>();
    for (const item of exported) for (const alert of item.alerts) verdictOf.set(alert.display_id, item);

    const matrix = { "phish (feed-listed)": emptyRow(), "phish (no feed)": emptyRow(), legitimate: emptyRow() } as Record<
      Row,
      Record<Column, number>
    >;
    const byKind: Record<string, Record<Column, number>> = {};
    const falsePositives: VerdictBench["falsePositives"] = [];
    const feedMisses: VerdictBench["feedMisses"] = [];
    let inlineListed = 0;
    let inlineListedMalicious = 0;
    for (const report of day) {
      const found = verdictOf.get(report.id);
      const value = (found?.verdict?.value ?? "none") as Column;
      matrix[rowOf(report)][value]++;
      byKind[report.kind] ??= emptyRow();
      byKind[report.kind]![value]++;
      if (report.feedUrl && report.style.startsWith("inline")) {
        inlineListed++;
        if (value === "malicious") inlineListedMalicious++;
      }
      if (report.feedUrl && value !== "malicious")
        feedMisses.push({ kind: report.kind, style: report.style, verdict: value, reasons: (found?.verdict?.reasons ?? []).slice(0, 3) });
      if (report.label === "ham" && (value === "malicious" || value === "suspicious")) {
        falsePositives.push({ kind: report.kind, style: report.style, verdict: value, reasons: found?.verdict?.reasons ?? [] });
      }
    }
    const total = (row: Row) => VERDICTS.reduce((sum, value) => sum + matrix[row][value], 0);
    const share = (count: number, of: number) => (of ? +(count / of).toFixed(3) : 0);
    return {
      date: new Date().toISOString(),
      seed,
      reports: day.length,
      seconds: +((Date.now() - started) / 1000).toFixed(1),
      matrix,
      byKind,
      falsePositives,
      feedMisses,
      rates: {
        legitimateMalicious: matrix.legitimate.malicious,
        legitimateSuspicious: matrix.legitimate.suspicious,
        legitimateBenign: share(matrix.legitimate.benign, total("legitimate")),
        feedListedMalicious: share(matrix["phish (feed-listed)"].malicious, total("phish (feed-listed)")),
        feedListedInlineMalicious: `${inlineListedMalicious} of ${inlineListed}`,
        unlistedCaught: share(matrix["phish (no feed)"].malicious + matrix["phish (no feed)"].suspicious, total("phish (no feed)")),
      },
    };
  } finally {
    await server.stop();
    fs.rmSync(ws.dir, { recursive: true, force: true });
  }
}

export function printVerdictBench(bench: VerdictBench): void {
  const width = 12;
  const pad = (text: string | number, size = width) => String(text).padStart(size);
  console.log(`Intake bench --verdicts (seed ${bench.seed}): ${bench.reports} reports judged in ${bench.seconds} s`);
  console.log(`${"".padEnd(22)}${VERDICTS.map((value) => pad(value)).join("")}`);
  for (const [row, counts] of Object.entries(bench.matrix))
    console.log(`${row.padEnd(22)}${VERDICTS.map((value) => pad(counts[value])).join("")}`);
  const r = bench.rates;
  console.log(
    `  legitimate judged malicious: ${r.legitimateMalicious} (goal 0); suspicious: ${r.legitimateSuspicious} (goal ≤ 1); ` +
      `benign: ${(r.legitimateBenign * 100).toFixed(1)}%`,
  );
  console.log(
    `  feed-listed phish malicious: ${(r.feedListedMalicious * 100).toFixed(1)}% (goal ≥ 95%), ` +
      `inline forwards among them: ${r.feedListedInlineMalicious}`,
  );
  console.log(`  phish no feed knows, malicious or suspicious: ${(r.unlistedCaught * 100).toFixed(1)}% (goal ≥ 60%, aim 90%)`);
  console.log("  by kind (malicious / suspicious / benign / unknown):");
  for (const [kind, counts] of Object.entries(bench.byKind).sort())
    console.log(`    ${kind.padEnd(28)} ${counts.malicious} / ${counts.suspicious} / ${counts.benign} / ${counts.unknown + counts.none}`);
  for (const miss of bench.feedMisses)
    console.log(`  feed-listed, not malicious: ${miss.kind} (${miss.style}) judged ${miss.verdict}: ${miss.reasons.join(" | ")}`);
  for (const fp of bench.falsePositives) {
    console.log(`  false positive: ${fp.kind} (${fp.style}) judged ${fp.verdict}:`);
    for (const reason of fp.reasons) console.log(`    - ${reason}`);
  }
}
