// A campaign case's parts: who reported it and how (with Move out), Merge, linked cases, indicators with
// how many reports carry each, and the history entries merges and moves leave.
import { useState, type FormEvent, type ReactNode } from "react";
import { FormattedMessage, useIntl, type IntlShape } from "react-intl";
import type { Alert, EntityRole, HistoryEntry } from "../api.js";
import { CopyButton, defang, When } from "../format.js";
import { Link } from "../router.js";
import { ColumnHeads, MutedNote } from "../blocks.js";

function reportedAt(alert: Alert): number {
  const value = alert.events[0]?.ReporterDate;
  return typeof value === "number" ? value : alert.start_time;
}

/** Ingest's reasons are fixed phrases (translated); an analyst's carry a case number and a name. */
function groupedBy(intl: IntlShape, reason: string | undefined): string {
  if (reason === undefined) return intl.formatMessage({ id: "case.report.first" });
  const analyst = /^(merged from|moved out of) case (\d+) by (.+)$/.exec(reason);
  if (analyst)
    return intl.formatMessage(
      { id: analyst[1] === "merged from" ? "case.report.mergedFrom" : "case.report.movedOutOf" },
      { case: `#${analyst[2]}`, who: analyst[3] },
    );
  return intl.formatMessage({ id: `case.report.by.${reason}` as "case.report.first", defaultMessage: reason });
}

export function ReportsTable({ alerts, onMoveOut }: { alerts: Alert[]; onMoveOut?: (alertId: string) => void }) {
  const intl = useIntl();
  return (
    <table className="reports" data-testid="reports">
      <ColumnHeads
        columns={["case.report.reporter", "case.report.when", "case.report.how", "case.report.why", ...(onMoveOut ? [null] : [])]}
      />
      <tbody>
        {alerts.map((alert) => {
          const how = alert.events[0]?.ReportedAs;
          return (
            <tr key={alert.display_id} data-alert-id={alert.display_id}>
              <td className="mono">{alert.reporters.map(defang).join(", ")}</td>
              <td>
                <When time={reportedAt(alert)} />
              </td>
              <td>
                {typeof how === "string"
                  ? intl.formatMessage({ id: `case.report.how.${how}` as "case.report.how.original message", defaultMessage: how })
                  : ""}
              </td>
              <td className="muted">{groupedBy(intl, alert.grouped_by)}</td>
              {onMoveOut && (
                <td>
                  <button type="button" className="small" onClick={() => onMoveOut(alert.display_id)}>
                    <FormattedMessage id="case.moveOut" />
                  </button>
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Case numbers typed as "12, 15 #18": digits only, everything else separates them. */
export function parseCaseNumbers(text: string): number[] {
  const out: number[] = [];
  let digits = "";
  for (const char of `${text} `) {
    if (char >= "0" && char <= "9") digits += char;
    else if (digits) {
      out.push(Number(digits.slice(0, 12)));
      digits = "";
    }
  }
  return [...new Set(out)].filter((n) => n > 0);
}

export function MergeForm({ caseId, onMerge }: { caseId: number; onMerge: (ids: number[]) => Promise<boolean> }) {
  const intl = useIntl();
  const [text, setText] = useState("");
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ids = parseCaseNumbers(text).filter((id) => id !== caseId);
    if (ids.length > 0 && (await onMerge(ids))) setText("");
  };
  return (
    <form onSubmit={submit} className="stack" data-testid="merge-form">
      <label>
        <FormattedMessage id="case.merge.label" />
        <input
          name="merge"
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={400}
          placeholder={intl.formatMessage({ id: "case.merge.placeholder" })}
        />
      </label>
      <button type="submit">
        <FormattedMessage id="case.merge" />
      </button>
    </form>
  );
}

export function LinkedCases({ links }: { links: { case_id: number; reason: string }[] }) {
  if (links.length === 0) return null;
  return (
    <ul className="links" data-testid="linked-cases">
      {links.map((l, i) => (
        <li key={i}>
          {l.reason} <Link to={`/cases/${l.case_id}`}>#{l.case_id}</Link>
        </li>
      ))}
    </ul>
  );
}

/** The union of the reports' indicators, each once, with their roles and how many reports carry it (most first). */
export function IndicatorTable({ alerts }: { alerts: Alert[] }) {
  const intl = useIntl();
  const rows = new Map<string, { type: string; value: string; source: string; roles: Set<EntityRole>; reports: Set<string> }>();
  for (const alert of alerts) {
    for (const entity of alert.entities) {
      const key = `${entity.type}\u0000${entity.value}`;
      const row = rows.get(key) ?? {
        type: entity.type,
        value: entity.value,
        source: entity.source,
        roles: new Set<EntityRole>(),
        reports: new Set<string>(),
      };
      if (entity.role) row.roles.add(entity.role);
      row.reports.add(alert.display_id);
      rows.set(key, row);
    }
  }
  const sorted = [...rows.values()].sort((a, b) => b.reports.size - a.reports.size);
  if (sorted.length === 0) return <MutedNote message="common.none" />;
  return (
    <table className="indicators">
      <ColumnHeads
        columns={[
          "case.indicator.type",
          "case.indicator.value",
          "case.indicator.role",
          "case.indicator.source",
          "case.indicator.reports",
          null,
        ]}
      />
      <tbody>
        {sorted.map((row) => (
          <tr key={`${row.type}:${row.value}`}>
            <td>{row.type}</td>
            <td className="mono indicator">{defang(row.value)}</td>
            <td>{[...row.roles].map((role) => intl.formatMessage({ id: `case.role.${role}` })).join(", ")}</td>
            <td>{row.source}</td>
            <td>{row.reports.size}</td>
            <td>
              <CopyButton text={defang(row.value)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const caseLink = (id: string) => <Link to={`/cases/${id}`}>#{id}</Link>;

/** One history line; merges and moves name the cases as links. */
export function HistoryText({ entry, label }: { entry: HistoryEntry; label: (kind: string, value: string) => string }): ReactNode {
  const who = entry.user_name;
  switch (entry.kind) {
    case "merge":
      return (
        <FormattedMessage
          id="case.history.merge"
          values={{
            who,
            cases: (
              <>
                {entry.from_value.split(",").map((id, i) => (
                  <span key={id}>
                    {i > 0 && ", "}
                    {caseLink(id)}
                  </span>
                ))}
              </>
            ),
          }}
        />
      );
    case "merged_into":
      return <FormattedMessage id="case.history.mergedInto" values={{ who, case: caseLink(entry.to_value) }} />;
    case "move_out":
      return (
        <FormattedMessage
          id="case.history.moveOut"
          values={{ who, alert: <span className="mono">{entry.alert_id ?? ""}</span>, case: caseLink(entry.to_value) }}
        />
      );
    case "moved_in":
      return (
        <FormattedMessage
          id="case.history.movedIn"
          values={{ who, alert: <span className="mono">{entry.alert_id ?? ""}</span>, case: caseLink(entry.from_value) }}
        />
      );
    case "verdict":
      return (
        <FormattedMessage
          id="case.history.verdict"
          values={{ who, to: <FormattedMessage id={`verdict.${entry.to_value}` as "verdict.unknown"} defaultMessage={entry.to_value} /> }}
        />
      );
    default:
      return (
        <FormattedMessage
          id={entry.kind === "priority" ? "case.history.priority" : "case.history.status"}
          values={{ who, from: label(entry.kind, entry.from_value), to: label(entry.kind, entry.to_value) }}
        />
      );
  }
}
