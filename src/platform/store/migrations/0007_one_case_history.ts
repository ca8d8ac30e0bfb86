// 0007: one history per case. Merges and moves join status and priority changes in case_history (the
// console and the CLI read the same list); the alert an action moved is kept beside it.
import type { Kysely } from "kysely";

interface OldAction {
  case_id: number;
  action: string;
  actor: string;
  detail: string;
  created_at: number;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("case_history").addColumn("alert_id", "text").execute();
  // Actions recorded by 0006's separate table move over, then the table goes.
  const old = db as unknown as Kysely<{ case_actions: OldAction; case_history: Record<string, unknown> }>;
  const rows = await old.selectFrom("case_actions").selectAll().orderBy("created_at").execute();
  for (const row of rows) {
    const detail = JSON.parse(row.detail) as { from?: number[] | number; to?: number; into?: number; alert?: string };
    const [from, to] =
      row.action === "merge"
        ? [(detail.from as number[]).join(","), row.case_id]
        : row.action === "merged_into"
          ? [row.case_id, detail.into]
          : row.action === "move_out"
            ? [row.case_id, detail.to]
            : [detail.from, row.case_id];
    await old
      .insertInto("case_history")
      .values({
        case_id: row.case_id,
        user_name: row.actor,
        kind: row.action,
        from_value: String(from ?? ""),
        to_value: String(to ?? ""),
        reason: null,
        alert_id: detail.alert ?? null,
        created_at: row.created_at,
      })
      .execute();
  }
  await db.schema.dropTable("case_actions").execute();
}
