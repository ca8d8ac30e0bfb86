// Run history: counts, duration, outcome; failures stand out; each run's log on demand.
import { Fragment, useEffect, useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, type LogEntry, type RunRow } from "../api.js";
import { RunStatus, When } from "../format.js";

export function Runs() {
  const intl = useIntl();
  const [runs, setRuns] = useState<RunRow[] | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [logs, setLogs] = useState<LogEntry[]>([]);
  useEffect(() => {
    const load = () => void api<{ runs: RunRow[] }>("/runs?limit=100").then((r) => setRuns(r.runs), () => setRuns([]));
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);
  const show = async (id: number) => {
    if (open === id) return setOpen(null);
    const run = await api<{ logs: LogEntry[] }>(`/runs/${id}`);
    setLogs(run.logs);
    setOpen(id);
  };
  if (!runs) return <p><FormattedMessage id="common.loading" /></p>;
  return (
    <div>
      <h1><FormattedMessage id="runs.title" /></h1>
      {runs.length === 0 ? <p className="muted"><FormattedMessage id="runs.empty" /></p> : (
        <table className="runs">
          <thead><tr>
            <th><FormattedMessage id="runs.col.id" /></th><th><FormattedMessage id="runs.col.connector" /></th><th><FormattedMessage id="runs.col.status" /></th>
            <th><FormattedMessage id="runs.col.started" /></th><th><FormattedMessage id="runs.col.duration" /></th><th><FormattedMessage id="runs.col.counts" /></th>
            <th><FormattedMessage id="runs.col.error" /></th><th />
          </tr></thead>
          <tbody>
            {runs.map((run) => (
              <Fragment key={run.id}>
                <tr className={run.status === "failed" || run.status === "timed_out" || run.status === "interrupted" ? "failed-run" : ""} data-run-id={run.id}>
                  <td>{run.id}{run.is_test ? <> <small className="muted"><FormattedMessage id="runs.test" /></small></> : null}</td>
                  <td>{run.connector}</td>
                  <td><RunStatus value={run.status} /></td>
                  <td><When time={run.started_at} /></td>
                  <td>{run.finished_at ? <FormattedMessage id="runs.duration" values={{ seconds: (run.finished_at - run.started_at) / 1000 }} /> : ""}</td>
                  <td>{[run.fetched, run.ingested, run.duplicates, run.failed].map((n) => intl.formatNumber(n)).join(" / ")}</td>
                  <td className="error-text">{run.error}</td>
                  <td><button type="button" className="small" onClick={() => void show(run.id)}><FormattedMessage id="runs.showLog" /></button></td>
                </tr>
                {open === run.id && (
                  <tr><td colSpan={8}><h4><FormattedMessage id="runs.log" values={{ id: run.id }} /></h4>
                    <pre className="logs">{logs.map((l) => `${new Date(l.time).toISOString()} ${l.level.toUpperCase()} ${l.message}`).join("\n")}</pre></td></tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
