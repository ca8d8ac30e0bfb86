// The playbooks' reads shared by their parts (the trigger, the warm-up of their actions).
import type { Store } from "../store/index.js";
import type { Playbook } from "./schema.js";

/** The enabled playbooks' documents, by name. */
export async function enabledPlaybooks(store: Store): Promise<Playbook[]> {
  const rows = await store.db.selectFrom("playbooks").select("definition").where("enabled", "=", 1).orderBy("name").execute();
  return rows.map((row) => JSON.parse(row.definition) as Playbook);
}
