// Play: the code run once on the server, nothing stored; the result of the last Play with its alerts, their
// events and the logs. Everything the code returned is shown as React text: never markup, links not clickable.
import { useState } from "react";
import { FormattedMessage } from "react-intl";
import { api } from "../api.js";
import { PriorityBadge } from "../format.js";
import type { PlayResult } from "./api.js";
import { ColumnHeads } from "../blocks.js";

/** codePath: the API path whose /play runs code. The result is cleared when a Play starts and stays so if it fails. */
export function usePlay(codePath: string) {
  const [result, setResult] = useState<PlayResult | null>(null);
  const run = async (body: { code: string } & Record<string, unknown>) => {
    setResult(null);
    setResult(await api<PlayResult>(`${codePath}/play`, { method: "POST", body }));
  };
  return { result, run };
}

function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function PlayOutput({ result }: { result: PlayResult }) {
  return (
    <div className="card play-output" data-testid="play-output">
      <p className={result.status === "succeeded" ? "ok" : "error"}>
        <FormattedMessage
          id="ide.playSummary"
          values={{ status: result.status, alerts: result.alertCount, failed: result.failed, skipped: result.skipped, ms: result.ms }}
        />
      </p>
      {result.error && (
        <p className="error">
          {result.error.code}: {result.error.message}
        </p>
      )}
      <h3>
        <FormattedMessage id="ide.alerts" />
      </h3>
      <table className="play-alerts">
        <ColumnHeads columns={["ide.alert.name", { text: "ID" }, "ide.alert.priority", "ide.alert.events"]} />
        <tbody>
          {result.alerts.map((alert, i) => (
            <tr key={i} data-alert={text(alert.display_id)}>
              <td>{text(alert.name)}</td>
              <td>
                <code>{text(alert.display_id)}</code>
              </td>
              <td>{typeof alert.priority === "number" ? <PriorityBadge value={alert.priority} /> : text(alert.priority)}</td>
              <td>
                {(alert.events ?? []).length === 0 ? (
                  <span className="muted">—</span>
                ) : (
                  <table className="fields events">
                    <tbody>
                      {(alert.events ?? []).slice(0, 50).flatMap((event, k) =>
                        Object.entries(event)
                          .slice(0, 40)
                          .map(([key, value]) => (
                            <tr key={`${k}-${key}`}>
                              <th scope="row">
                                {k + 1}. {key}
                              </th>
                              <td>{text(value)}</td>
                            </tr>
                          )),
                      )}
                    </tbody>
                  </table>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>
        <FormattedMessage id="ide.logs" />
      </h3>
      <pre className="logs" data-testid="play-logs">
        {result.logs.map((l) => `${l.level.toUpperCase()} ${l.message}`).join("\n")}
      </pre>
    </div>
  );
}
