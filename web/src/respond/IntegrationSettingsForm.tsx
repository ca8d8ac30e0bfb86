// An integration's own parameters (admin): read by every connector, action and job of it. Secrets are write-only:
// the form never holds a stored one, and a secret left empty keeps its stored value.
import { useState } from "react";
import { FormattedMessage } from "react-intl";
import { api } from "../api.js";
import { ErrorLine, useSubmission } from "../ide/forms.js";
import { ParameterValuesForm, type ParameterValues } from "../ide/ParameterValues.js";
import type { RespondIntegration } from "./api.js";
import { SavedNote } from "../blocks.js";

const SECRET_MARK = "********";

function initialValues(integration: RespondIntegration): ParameterValues {
  return Object.fromEntries(
    integration.parameters.map((p) => {
      const value = integration.settings?.[p.name];
      return [p.name, p.type === "password" || value === undefined || value === null ? "" : String(value)];
    }),
  );
}

export function IntegrationSettingsForm({ integration }: { integration: RespondIntegration }) {
  const [values, setValues] = useState(() => initialValues(integration));
  const [saved, setSaved] = useState(false);
  const secretsSet = integration.parameters
    .filter((p) => p.type === "password" && integration.settings?.[p.name] === SECRET_MARK)
    .map((p) => p.name);
  const { submit, busy, error } = useSubmission(async () => {
    setSaved(false);
    const parameters = Object.fromEntries(
      integration.parameters.filter((p) => !(p.type === "password" && values[p.name] === "")).map((p) => [p.name, values[p.name] ?? ""]),
    );
    await api(`/integrations/${encodeURIComponent(integration.slug)}/settings`, { method: "PUT", body: { parameters } });
    setValues((current) =>
      Object.fromEntries(integration.parameters.map((p) => [p.name, p.type === "password" ? "" : (current[p.name] ?? "")])),
    );
    setSaved(true);
  });
  if (integration.parameters.length === 0) return null;
  return (
    <form className="stack integration-settings" data-settings={integration.slug} onSubmit={submit}>
      <h3>
        <FormattedMessage id="respond.settings" />
      </h3>
      {secretsSet.length > 0 && (
        <p className="muted">
          <FormattedMessage id="respond.secretsSet" values={{ names: secretsSet.join(", ") }} />
        </p>
      )}
      <ParameterValuesForm
        parameters={integration.parameters}
        values={values}
        onChange={setValues}
        idPrefix={`settings-${integration.slug}`}
      />
      <ErrorLine error={error} />
      <div>
        <button type="submit" disabled={busy}>
          <FormattedMessage id="respond.saveSettings" />
        </button>{" "}
        <SavedNote shown={saved} />
      </div>
    </form>
  );
}
