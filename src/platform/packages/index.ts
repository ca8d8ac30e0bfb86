// Installs an integration package whole: its code through the catalog, then the playbooks it ships. Kept
// above both so that the catalog never imports the playbooks, which read it.
import { importIntegration, type ImportOptions, type ImportResult } from "../catalog/index.js";
import { importPlaybookFile } from "../playbooks/index.js";
import type { Store } from "../store/index.js";

export async function installIntegrationPackage(store: Store, sourceDir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const result = await importIntegration(store, sourceDir, options);
  for (const file of result.integration.playbookFiles)
    await importPlaybookFile(store, file, { sourceIntegration: result.integration.name });
  return result;
}
