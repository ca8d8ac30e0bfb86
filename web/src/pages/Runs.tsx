// Run history: counts, duration, outcome, the worker that ran it; failures stand out; each run's log on
// demand. /runs?connector=NAME is one connector's history (the connector card links to it).
import { Fragment, useEffect, useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, type LogEntry, type RunRow } from "../api.js";
import { RunStatus, When } from "../format.js";
import { Link } from "../router.js";
import { ColumnHeads, Loading, MutedNote } from "../blocks.js";

/** Who ran it: a worker by host and PID (its id on hover), or nobody in queue mode's sense (embedded serve, the CLI). */
function RunWorker({ run }: { run: RunRow }) {
  if (!run.worker)
    return (
      <span className="muted">
        <FormattedMessage id="runs.worker.none" />
      </span>
    );
  // A worker row may have been cleaned away: the run keeps the id.
  if (run.worker_host === null)
    return (
      <span title={run.worker}>
        <FormattedMessage id="runs.worker.gone" values={{ id: run.worker.slice(0, 8) }} />
      </span>
    );
  return (
    <span title={run.worker}>
      <FormattedMessage id="runs.worker.at" values={{ host: run.worker_host, pid: run.worker_pid }} />
    </span>
  );
}

export function Runs({ path }: { path: string }) {
  const intl = useIntl();
  const connector = new URLSearchParams(path.split("?")[1] ?? "").get("connector") ?? "";
  const [runs, setRuns] = useState<RunRow[] | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [logs, setLogs] = useState<LogEntry[]>([]);
  useEffect(() => {
    setRuns(null);
    const query = `/runs?limit=100${connector ? `&connector=${encodeURIComponent(connector)}` : ""}`;
    const load = () =>
      void api<{ runs: RunRow[] }>(query).then(
        (r) => setRuns(r.runs),
        () => setRuns([]),
      );
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [connector]);
  const show = async (id: number) => {
    if (open === id) return setOpen(null);
    const run = await api<{ logs: LogEntry[] }>(`/runs/${id}`);
    setLogs(run.logs);
    setOpen(id);
  };
  if (!runs) return <Loading />;
  return (
    <div>
      <h1>{connector ? <FormattedMessage id="runs.ofConnector" values={{ connector }} /> : <FormattedMessage id="runs.title" />}</h1>
      {connector && (
        <p>
          <Link to="/runs">
            <FormattedMessage id="runs.all" />
          </Link>
        </p>
      )}
      {runs.length === 0 ? (
        <MutedNote message="runs.empty" />
      ) : (
        <table className="runs">
          <ColumnHeads
            columns={[
              "runs.col.id",
              "runs.col.connector",
              "runs.col.status",
              "runs.col.started",
              "runs.col.duration",
              "runs.col.counts",
              "runs.col.worker",
              "runs.col.error",
              null,
            ]}
          />
          <tbody>
            {runs.map((run) => (
              <Fragment key={run.id}>
                <tr
                  className={run.status === "failed" || run.status === "timed_out" || run.status === "interrupted" ? "failed-run" : ""}
                  data-run-id={run.id}
                >
                  <td>
                    {run.id}
                    {run.is_test ? (
                      <>
                        {" "}
                        <small className="muted">
                          <FormattedMessage id="runs.test" />
                        </small>
                      </>
                    ) : null}
                  </td>
                  <td>{run.connector}</td>
                  <td>
                    <RunStatus value={run.status} />
                  </td>
                  <td>
                    <When time={run.started_at} />
                  </td>
                  <td>
                    {run.finished_at ? (
                      <FormattedMessage id="runs.duration" values={{ seconds: (run.finished_at - run.started_at) / 1000 }} />
                    ) : (
                      ""
                    )}
                  </td>
                  <td>{[run.fetched, run.ingested, run.duplicates, run.failed].map((n) => intl.formatNumber(n)).join(" / ")}</td>
                  <td className="run-worker">
                    <RunWorker run={run} />
                  </td>
                  <td className="error-text">{run.error}</td>
                  <td>
                    <button type="button" className="small" onClick={() => void show(run.id)}>
                      <FormattedMessage id="runs.showLog" />
                    </button>
                  </td>
                </tr>
                {open === run.id && (
                  <tr>
                    <td colSpan={9}>
                      <h4>
                        <FormattedMessage id="runs.log" values={{ id: run.id }} />
                      </h4>
                      <pre className="logs">
                        {logs.map((l) => `${new Date(l.time).toISOString()} ${l.level.toUpperCase()} ${l.message}`).join("\n")}
                      </pre>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
