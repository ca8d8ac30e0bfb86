// Example connector: every row of a CSV file newer than the last run becomes an alert with one event.
import fs from "node:fs";
import { parse } from "csv-parse/sync";
import { AlertInfo, type ConnectorExecution, Priority, type PriorityValue } from "intake/sdk";

interface Row {
  id: string;
  time: string;
  severity: string;
  host: string;
  rule: string;
  url: string;
  user: string;
}

const PRIORITIES: Record<string, PriorityValue> = {
  info: Priority.INFORMATIVE,
  low: Priority.LOW,
  medium: Priority.MEDIUM,
  high: Priority.HIGH,
  critical: Priority.CRITICAL,
};

export default async function main(execution: ConnectorExecution): Promise<void> {
  const file = execution.extractConnectorParam("CSV File", { isMandatory: true, printValue: true });
  const maxRows = execution.extractConnectorParam("Max Rows Per Cycle", { inputType: "int", defaultValue: 500 });
  // The newest row time handed over by an earlier run (0 on the first run).
  const since = execution.fetchTimestamp();

  const rows = parse(fs.readFileSync(file, "utf8"), { columns: true, skip_empty_lines: true, trim: true }) as Row[];
  execution.recordFetched(rows.length);
  const fresh = rows
    .map((row) => ({ row, time: Date.parse(row.time) }))
    .filter(({ row, time }) => {
      if (!Number.isFinite(time)) {
        execution.recordSkipped(row.id, `time ${JSON.stringify(row.time)} is not a date`);
        return false;
      }
      return time > since;
    })
    .sort((a, b) => a.time - b.time)
    .slice(0, maxRows);

  const alerts: AlertInfo[] = [];
  for (const { row, time } of fresh) {
    // The allow-list set on the connector (intake connector allow-list NAME host…) names hosts to ignore.
    if (execution.allowList.includes(row.host)) {
      execution.recordSkipped(row.id, `host ${row.host} is on the allow-list`);
      continue;
    }
    const alert = new AlertInfo();
    alert.display_id = `csv-${row.id}`;
    alert.ticket_id = row.id;
    alert.name = row.rule;
    alert.rule_generator = row.rule;
    alert.start_time = time;
    alert.end_time = time;
    alert.priority = PRIORITIES[row.severity.toLowerCase()] ?? Priority.MEDIUM;
    alert.device_vendor = "Example";
    alert.device_product = "CSV Alerts";
    alert.events.push({
      StartTime: time,
      EndTime: time,
      event_name: row.rule,
      device_product: "CSV Alerts",
      SourceHostName: row.host,
      SourceUserName: row.user,
      found_url: row.url,
      severity: row.severity,
    });
    alerts.push(alert);
  }

  // The checkpoint is committed with the alerts, in the same transaction (never on a test run).
  if (fresh.length) execution.saveTimestamp(fresh[fresh.length - 1]!.time);
  execution.setConnectorContext("last_file", file);
  const result = await execution.returnPackage(alerts);
  execution.logger.info(`${alerts.length} alert(s) from ${rows.length} row(s); stored ${result.stored.length}`);
}
