// Phishing triage end to end through the contract commands: reports forwarded to a real Dovecot become
// cases, the built-in phishing-triage playbook (on by default) assesses them in sandboxed processes, and
// the verdicts come out of `intake cases export --jsonl`: a simulation recognised by its header and closed,
// a clean report unknown, a report seen before as malicious (an analyst's override) malicious and High.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorkspace, type Workspace } from "./support/cli.js";
import { deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { forwardedReport } from "./support/triage.js";
import { configureTriage, createReportsConnector } from "./support/triage-workspace.js";

let server: Dovecot;

beforeAll(async () => {
  server = await startDovecot();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

interface ExportedCase {
  id: number;
  title: string;
  priority: number;
  status: string;
  verdict?: { value: string; score?: number; reasons: string[] };
}

async function ingestAndDrain(ws: Workspace, reports: string[]): Promise<ExportedCase[]> {
  deliverToMaildir(server, reports);
  const run = await ws.intake(["connector", "run", "reports", "--json"]);
  expect(ws.lastJson(run), run.stderr).toMatchObject({ ingested: reports.length, failed: 0 });
  const drained = await ws.intake(["playbooks", "drain", "--json"]);
  expect(drained.code, drained.stderr).toBe(0);
  expect(ws.lastJson(drained)).toMatchObject({ failed: 0 });
  const exported = await ws.intake(["cases", "export", "--jsonl"]);
  return exported.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as ExportedCase);
}

describe("the phishing-triage playbook", () => {
  it("closes a simulation, leaves a clean report unknown, and finds an overridden malicious case again", async () => {
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    {
      await createReportsConnector(ws, server.params(), ["--grouping", "off"]);
      const list = await ws.intake(["playbooks", "list", "--json"]);
      expect(list.stdout).toContain("phishing-triage");
      await configureTriage(ws, {
        "Simulation Headers": "X-PhishTest, X-Campaign-Vendor: trainer",
        "Simulation Sender Domains": "sim-vendor.test",
        "Simulation Sender IPs": "198.51.100.0/24",
        "Reporter Domains": "example.test",
      });

      const first = await ingestAndDrain(ws, [
        forwardedReport("sim", {
          from: "IT Desk <it@lookalike.test>",
          subject: "Password expiry",
          body: "Reset at http://reset.lookalike.test/now",
          headers: ["X-Campaign-Vendor: Trainer"],
        }),
        forwardedReport("clean", { from: "Newsletter <news@shop.test>", subject: "Our offers", body: "See http://shop.test/offers" }),
      ]);
      const simulation = first.find((item) => item.title === "Password expiry")!;
      expect(simulation.verdict).toEqual({
        value: "simulation",
        score: 0,
        reasons: ['a phishing simulation: header x-campaign-vendor: trainer (setting "Simulation Headers")'],
      });
      expect(simulation.status).toBe("closed");
      const clean = first.find((item) => item.title === "Our offers")!;
      expect(clean.verdict?.value).toBe("unknown");
      expect(clean.status).toBe("open");
      const history = await ws.intake(["cases", "history", String(simulation.id)]);
      expect(history.stdout).toContain("Auto Close Simulation");

      // An analyst decides the clean one was a phish: the override is recorded with who and why.
      const override = await ws.intake(["cases", "verdict", String(clean.id), "malicious", "--reason", "credential harvesting confirmed"], {
        env: { INTAKE_ACTOR: "alice" },
      });
      expect(override.code, override.stderr).toBe(0);
      const refused = await ws.intake(["cases", "verdict", String(clean.id), "evil", "--reason", "x"]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain("CASE_VERDICT");
      const shown = JSON.parse((await ws.intake(["cases", "verdict", String(clean.id)])).stdout) as {
        verdict: { value: string; setBy: string; overridden: boolean };
        history: { setBy: string; override: boolean; comment: string | null }[];
      };
      expect(shown.verdict).toMatchObject({ value: "malicious", setBy: "alice", overridden: true });
      expect(shown.history.map((entry) => [entry.setBy, entry.override])).toEqual([
        ["playbook:phishing-triage", false],
        ["alice", true],
      ]);

      // The same URL reported again: seen before, malicious, raised to High.
      const second = await ingestAndDrain(ws, [
        forwardedReport("again", { from: "Shop <deals@shop.test>", subject: "Last chance", body: "Still at http://shop.test/offers" }),
      ]);
      const again = second.find((item) => item.title === "Last chance")!;
      expect(again.verdict?.value).toBe("malicious");
      expect(again.verdict?.reasons.join("\n")).toMatch(
        new RegExp(`^URL hxxp://shop\\[\\.\\]test/offers: seen in case #${clean.id}, judged malicious by analyst alice$`, "m"),
      );
      expect(again.priority).toBe(80);
      // The override stays: the case still says what the analyst said.
      expect(second.find((item) => item.id === clean.id)!.verdict).toEqual({
        value: "malicious",
        reasons: ["credential harvesting confirmed"],
      });
    }
  }, 300_000);
});
