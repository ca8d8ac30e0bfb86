// `intake integrations list`.
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { listIntegrations } from "../../platform/catalog/index.js";
import { table } from "../output.js";

export function register(program: Command, withStore: WithStore): void {
  program
    .command("integrations")
    .description("integrations")
    .command("list")
    .description("list the integrations and their connectors, actions and jobs")
    .action(async () => {
      await withStore(async (store) => {
        const integrations = await listIntegrations(store);
        console.log(
          table(
            integrations.map((d) => ({
              name: d.name,
              short: d.slug,
              connectors: d.connectors.map((c) => c.name).join(", "),
              actions: d.actions.map((a) => a.name).join(", "),
              jobs: d.jobs.map((j) => j.name).join(", "),
              kind: d.builtin ? "built-in" : "imported",
              description: d.description.slice(0, 80),
            })),
            ["name", "short", "connectors", "actions", "jobs", "kind", "description"],
          ),
        );
      });
    });
}
