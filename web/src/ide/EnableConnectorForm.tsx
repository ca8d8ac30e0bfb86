// Enable: creates (or updates) a connector instance that runs the saved version on its interval with the
// parameter values typed for Play.
import { useState } from "react";
import { FormattedMessage } from "react-intl";
import { api, type ConnectorDefinition } from "../api.js";
import { Link } from "../router.js";
import { ErrorLine, useSubmission } from "./forms.js";
import { filledValues, type ParameterValues } from "./ParameterValues.js";
import { MutedNote } from "../blocks.js";

export function EnableConnectorForm({
  slug,
  definition,
  values,
}: {
  slug: string;
  definition: ConnectorDefinition;
  values: ParameterValues;
}) {
  const [name, setName] = useState(definition.fileBase);
  const [interval, setIntervalText] = useState(String(definition.intervalSeconds));
  const [enabledName, setEnabledName] = useState<string | null>(null);
  const { submit, error } = useSubmission(async () => {
    setEnabledName(null);
    await api(`/connectors/${encodeURIComponent(name)}`, {
      method: "PUT",
      body: {
        integration: slug,
        connector: definition.name,
        parameters: filledValues(values),
        intervalSeconds: Number(interval),
        enabled: true,
      },
    });
    setEnabledName(name);
  });
  return (
    <form className="card stack" onSubmit={submit}>
      <h3>
        <FormattedMessage id="ide.enableTitle" />
      </h3>
      <MutedNote message="ide.enableHint" />
      <div className="form-grid">
        <label className="stack">
          <FormattedMessage id="ide.instanceName" />
          <input id="enable-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <label className="stack">
          <FormattedMessage id="ide.interval" />
          <input id="enable-interval" type="number" min={1} value={interval} onChange={(e) => setIntervalText(e.target.value)} required />
        </label>
      </div>
      <ErrorLine error={error} />
      {enabledName && (
        <p className="ok" role="status">
          <FormattedMessage id="ide.enabled" values={{ name: enabledName, seconds: interval }} />{" "}
          <Link to="/cases">
            <FormattedMessage id="nav.cases" />
          </Link>
        </p>
      )}
      <div>
        <button type="submit" className="primary">
          <FormattedMessage id="ide.enable" />
        </button>
      </div>
    </form>
  );
}
