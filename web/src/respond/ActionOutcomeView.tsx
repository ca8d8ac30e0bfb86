// What an action run gave: status, result value and message, the JSON result, entity updates, insights and logs,
// all as React text (an action's output is as untrusted as the email it ran on).
import { FormattedMessage } from "react-intl";
import { defang } from "../format.js";
import { shown, type ActionOutcome } from "./api.js";

export function ActionOutcomeView({ outcome }: { outcome: ActionOutcome }) {
  return (
    <div className="stack action-outcome" data-testid="action-outcome">
      <p className={outcome.status === "completed" ? "ok" : "error"}>
        <FormattedMessage
          id="respond.outcome"
          values={{ status: outcome.status, value: shown(outcome.resultValue) || "—", ms: outcome.finishedAt - outcome.startedAt }}
        />
        {outcome.message && (
          <>
            {" "}
            · <span data-testid="action-message">{outcome.message}</span>
          </>
        )}
      </p>
      {outcome.error && (
        <p className="error">
          {outcome.error.code}: {outcome.error.message}
        </p>
      )}
      {outcome.json !== null && outcome.json !== undefined && (
        <>
          <h4>
            <FormattedMessage id="respond.json" />
          </h4>
          <pre className="package" data-testid="action-json">
            {JSON.stringify(outcome.json, null, 2)}
          </pre>
        </>
      )}
      {outcome.entityUpdates.length > 0 && (
        <>
          <h4>
            <FormattedMessage id="respond.entityUpdates" />
          </h4>
          <table className="fields" data-testid="action-entities">
            <tbody>
              {outcome.entityUpdates.map((entity, i) => (
                <tr key={i}>
                  <th scope="row">
                    {entity.entityType} <span className="mono">{defang(entity.identifier)}</span>
                  </th>
                  <td className="mono">{JSON.stringify(entity.additionalProperties)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {outcome.insights.length > 0 && (
        <>
          <h4>
            <FormattedMessage id="respond.insights" />
          </h4>
          <ul>
            {outcome.insights.map((insight, i) => (
              <li key={i}>
                <strong>{insight.title}</strong> {insight.identifier && <span className="mono">{insight.identifier}</span>}:{" "}
                {insight.message}
              </li>
            ))}
          </ul>
        </>
      )}
      {outcome.logs.length > 0 && (
        <>
          <h4>
            <FormattedMessage id="ide.logs" />
          </h4>
          <pre className="logs">{outcome.logs.map((l) => `${l.level.toUpperCase()} ${l.message}`).join("\n")}</pre>
        </>
      )}
    </div>
  );
}
