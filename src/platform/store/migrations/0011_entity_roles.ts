// 0011: entities carry a role (sender, recipient, reporter) and a forward depth of their own, set by the
// connector, so that the platform reads no connector's labels. Rows stored before get theirs here from
// the labels the email connector wrote: the one place in the platform where that format is still known.
// Any connector's rows with such labels get them, as the platform read every row's label before.
import type { Kysely } from "kysely";
import { sql } from "../kysely.js";

/** The email connector's labels up to 0011: "header From", "forwarded header To", "forwarded (2) html link"… */
const FORWARDED_LABEL = /^forwarded (?:\((\d+)\) )?(?:text|defanged text|html [a-z ]+|header [A-Za-z-]+|attachment|url)$/;
const ADDRESS_LABEL = /^(?:forwarded (?:\(\d+\) )?)?header (From|Sender|Reply-To|Return-Path|To|Cc|Delivered-To)$/;
const ROLE_OF_HEADER: Record<string, string | null> = {
  From: "sender",
  Sender: null,
  "Reply-To": null,
  "Return-Path": null,
  To: "recipient",
  Cc: "recipient",
  "Delivered-To": "recipient",
};
const PAGE = 1000;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("entities").addColumn("role", "text").execute();
  await db.schema
    .alterTable("entities")
    .addColumn("depth", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  // A few dozen distinct labels: one UPDATE each way, a CASE over the labels, whatever the row count.
  const forwarded = (
    await sql<{ source: string }>`select distinct source from entities where source like ${"forwarded %"}`.execute(db)
  ).rows
    .map((row) => ({ source: row.source, match: FORWARDED_LABEL.exec(row.source) }))
    .filter((row) => row.match);
  if (forwarded.length) {
    const depth = sql.join(
      forwarded.map((row) => sql`when ${row.source} then ${sql.lit(Number(row.match![1] ?? 1))}`),
      sql` `,
    );
    const sources = sql.join(forwarded.map((row) => row.source));
    await sql`update entities set depth = case source ${depth} end where source in (${sources})`.execute(db);
  }
  const addressLabels = (await sql<{ source: string }>`select distinct source from entities where type = 'EMAIL_ADDRESS'`.execute(db)).rows
    .map((row) => row.source)
    .filter((source) => ADDRESS_LABEL.test(source));
  const withRole = addressLabels.filter((source) => ROLE_OF_HEADER[ADDRESS_LABEL.exec(source)![1]!]);
  if (withRole.length) {
    const role = sql.join(
      withRole.map((source) => sql`when ${source} then ${sql.lit(ROLE_OF_HEADER[ADDRESS_LABEL.exec(source)![1]!]!)}`),
      sql` `,
    );
    const sources = sql.join(withRole);
    await sql`update entities set role = case source ${role} end where type = 'EMAIL_ADDRESS' and source in (${sources})`.execute(db);
  }
  // The From of a report that forwards a message is the colleague who reported it, as the case queue
  // took it before (the deepest From was the sender).
  await sql`update entities set role = 'reporter' where role = 'sender' and depth = 0
    and alert_pk in (select alert_pk from entities where depth > 0)`.execute(db);

  // The email connector kept the header's name as a free attribute "role"; it is "header" now, "role" the field above.
  if (addressLabels.length) {
    let after = 0;
    for (;;) {
      const rows = (
        await sql<{ id: number | string; data: string }>`select id, data from entities
        where type = 'EMAIL_ADDRESS' and source in (${sql.join(addressLabels)}) and id > ${after} order by id limit ${PAGE}`.execute(db)
      ).rows;
      if (rows.length === 0) break;
      for (const row of rows) {
        const { role, ...attributes } = JSON.parse(row.data) as Record<string, unknown>;
        if (role !== undefined)
          await sql`update entities set data = ${JSON.stringify({ header: role, ...attributes })} where id = ${row.id}`.execute(db);
      }
      after = Number(rows[rows.length - 1]!.id);
    }
  }

  // The case queue's sender lookup reads the role where it read the label.
  await db.schema.dropIndex("entities_case_type").ifExists().execute();
  await db.schema.createIndex("entities_case_role").on("entities").columns(["case_id", "type", "role"]).execute();
}
