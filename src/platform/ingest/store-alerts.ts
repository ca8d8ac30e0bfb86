// What ingest stores for a package, decided once: duplicates, the case each new alert joins or opens,
// its rows (rows.ts) and grouping keys, the connector's context. Where the rows go is a writer's business
// (prepared SQLite statements, or the query builder for any database), inside the caller's transaction.
import type { AlertResult } from "../../sdk/execution.js";
import { decideCase, DEFAULT_GROUPING, displaySubject, keysOf } from "../grouping/index.js";
import { alertRow, caseRow, entityRows, environmentOf, eventRows, keyRows, linkRows, type FileRow } from "./rows.js";
import type { IngestTarget, IngestWriter } from "./types.js";
import type { ValidAlert } from "./validate.js";

/** Stores the new alerts of a package (each alert id once) and the connector's context; a claimed alert joins its case. */
export async function storeAlerts(
  writer: IngestWriter,
  target: IngestTarget,
  valid: ValidAlert[],
  files: Map<ValidAlert, FileRow[]>,
  context: Record<string, string | null>,
  now: number,
  results: AlertResult[],
  claims: ReadonlyMap<ValidAlert, { caseId: number; reason: string }> = new Map(),
): Promise<void> {
  const settings = target.grouping ?? DEFAULT_GROUPING;
  const existing = await writer.existing([...new Set(valid.map((a) => a.display_id))]);
  for (const alert of valid) {
    if (existing.has(alert.display_id)) {
      results.push({ display_id: alert.display_id, outcome: "duplicate" });
      continue;
    }
    existing.add(alert.display_id);
    const environment = environmentOf(alert);
    const keys = keysOf(alert);
    const claim = claims.get(alert);
    const decision = claim
      ? { caseId: claim.caseId, by: claim.reason }
      : await decideCase(writer.lookup, keys, environment, settings, alert.start_time);
    let caseId: number;
    if (decision.caseId !== undefined) {
      caseId = decision.caseId;
    } else {
      // A campaign case is titled by the shared subject, without the reporters' "FW:" prefixes.
      const title = (settings.mode === "off" ? alert.name : displaySubject(alert.name)) || "(no subject)";
      caseId = await writer.insertOne("cases", caseRow(title, alert, now));
      if (decision.linkTo) await writer.insert("case_links", linkRows(caseId, decision.linkTo.caseId, decision.linkTo.reason, now));
    }
    const alertPk = await writer.insertOne(
      "alerts",
      alertRow(target, alert, caseId, decision.caseId !== undefined ? decision.by : undefined, now),
    );
    await writer.insert("events", eventRows(target, alert, alertPk));
    await writer.insert("entities", entityRows(alert, alertPk, caseId));
    await writer.insert(
      "alert_files",
      (files.get(alert) ?? []).map((file) => ({ alert_pk: alertPk, ...file })),
    );
    await writer.insert("case_keys", keyRows(caseId, alertPk, keys, environment, alert.start_time));
    if (decision.caseId !== undefined) await writer.refreshCase(caseId, now);
    results.push({ display_id: alert.display_id, outcome: "ingested", caseId });
  }
  await writer.writeContext(target.connectorId, context);
}
