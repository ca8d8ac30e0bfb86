// The Workers page: each `intake worker` process with its host, PID, start, last heartbeat, runs under way
// and state (alive, stopped, lost), refreshed every few seconds. Every value is shown as text.
import { useEffect, useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, type WorkerRow } from "../api.js";
import { Age, When } from "../format.js";
import type { MessageId } from "../messages.js";
import { ColumnHeads, Loading, MutedNote } from "../blocks.js";

export function Workers() {
  const intl = useIntl();
  const [answer, setAnswer] = useState<{ workers: WorkerRow[]; lostAfterMs: number } | null>(null);
  useEffect(() => {
    const load = () =>
      void api<{ workers: WorkerRow[]; lostAfterMs: number }>("/workers").then(setAnswer, () =>
        setAnswer({ workers: [], lostAfterMs: 30_000 }),
      );
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);
  if (!answer) return <Loading />;
  return (
    <div>
      <h1>
        <FormattedMessage id="workers.title" />
      </h1>
      <p className="muted">
        <FormattedMessage id="workers.intro" values={{ seconds: answer.lostAfterMs / 1000 }} />
      </p>
      {answer.workers.length === 0 ? (
        <MutedNote message="workers.empty" />
      ) : (
        <table className="runs workers">
          <ColumnHeads
            columns={[
              "workers.col.host",
              "workers.col.pid",
              "workers.col.started",
              "workers.col.heartbeat",
              "workers.col.runs",
              "workers.col.concurrency",
              "workers.col.state",
            ]}
          />
          <tbody>
            {answer.workers.map((worker) => (
              <tr key={worker.id} data-worker={worker.id} className={worker.state === "lost" ? "failed-run" : ""}>
                <td title={worker.id}>{worker.host}</td>
                <td>{worker.pid}</td>
                <td>
                  <When time={worker.startedAt} />
                </td>
                <td>
                  <Age time={worker.heartbeatAt} />
                </td>
                <td>{intl.formatNumber(worker.runsActive)}</td>
                <td>{intl.formatNumber(worker.concurrency)}</td>
                <td>
                  <span className={`badge worker-${worker.state}`} data-state={worker.state}>
                    <FormattedMessage id={`workers.state.${worker.state}` as MessageId} />
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
