// The playbooks that built-in integrations ship (playbooks/*.json in their folders): stored by the CLI (and so
// by intake serve and workers) in each database it opens, on as their documents say; a newer document
// replaces the stored one, keeping whether an admin turned it off and its configured parameters.
import fs from "node:fs";
import { builtinIntegrations } from "../catalog/integrations.js";
import type { Store } from "../store/index.js";
import { platformActionLookup } from "./platform.js";
import { validatePlaybook } from "./validate.js";

const installed = new WeakMap<Store, Promise<void>>();

/** Stores the built-in integrations' playbooks in this database (once per store and process). */
export function installBuiltinPlaybooks(store: Store): Promise<void> {
  let done = installed.get(store);
  if (!done) {
    done = install(store);
    installed.set(store, done);
    // A failure is tried again by the next caller rather than remembered.
    done.catch(() => installed.delete(store));
  }
  return done;
}

async function install(store: Store): Promise<void> {
  for (const integration of builtinIntegrations()) {
    for (const file of integration.playbookFiles) {
      const playbook = await validatePlaybook(JSON.parse(fs.readFileSync(file, "utf8")), platformActionLookup(store), file);
      const definition = JSON.stringify(playbook);
      const stored = await store.db
        .selectFrom("playbooks")
        .select(["definition", "source_integration"])
        .where("name", "=", playbook.name)
        .executeTakeFirst();
      if (!stored) {
        await store.db
          .insertInto("playbooks")
          .values({
            name: playbook.name,
            definition,
            enabled: playbook.enabled === false ? 0 : 1,
            parameters: "{}",
            source_integration: integration.name,
            updated_at: Date.now(),
          })
          .onConflict((conflict) => conflict.column("name").doNothing())
          .execute();
      } else if (stored.source_integration === integration.name && stored.definition !== definition) {
        // A playbook of this name imported by a user is theirs: only the integration's own is renewed.
        await store.db
          .updateTable("playbooks")
          .set({ definition, updated_at: Date.now() })
          .where("name", "=", playbook.name)
          .where("source_integration", "=", integration.name)
          .execute();
      }
    }
  }
}
