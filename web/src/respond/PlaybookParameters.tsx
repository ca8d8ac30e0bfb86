// A playbook's own parameters ([Playbook.Name] in its steps), set by an admin. A parameter that declares
// `requiredWhen` is marked required while its condition holds, and the form does not submit without it
// (phishing-triage: "Reply To Reporter" on asks for "Reporter Domains"); the server checks again and its
// refusal is shown as `CODE: message`. Secrets are write-only, as in the integration settings.
import { useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, type Parameter } from "../api.js";
import { ErrorLine, useSubmission } from "../ide/forms.js";
import { MutedNote, SavedNote } from "../blocks.js";

const fieldId = (parameter: string) => `playbook-param-${parameter.replace(/[^\w]/g, "_")}`;

/** A parameter shown as a switch: a boolean, or a text one whose default is "true" or "false". */
function isSwitch(parameter: Parameter): boolean {
  return parameter.type === "boolean" || (typeof parameter.default === "string" && /^(true|false)$/i.test(parameter.default));
}

function same(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The value a parameter has for the condition: what the form holds, or its default when left empty. */
function effective(parameter: Parameter | undefined, values: Record<string, string>): string {
  if (!parameter) return "";
  const value = values[parameter.name] ?? "";
  return value !== "" ? value : parameter.default !== undefined ? String(parameter.default) : "";
}

/** The parameters whose requiredWhen holds now. */
export function requiredNow(parameters: Parameter[], values: Record<string, string>): Set<string> {
  const byName = new Map(parameters.map((p) => [p.name, p]));
  return new Set(
    parameters
      .filter((p) => p.requiredWhen && same(effective(byName.get(p.requiredWhen.param), values), p.requiredWhen.equals))
      .map((p) => p.name),
  );
}

function ConditionValue({ value }: { value: string }) {
  if (same(value, "true")) return <FormattedMessage id="playbook.on" />;
  if (same(value, "false")) return <FormattedMessage id="playbook.off" />;
  return <>“{value}”</>;
}

/** admin: only an admin sets them (the server refuses anyone else); an analyst reads them. */
export function PlaybookParameters({
  name,
  parameters,
  configured,
  admin,
}: {
  name: string;
  parameters: Parameter[];
  configured: Record<string, unknown>;
  admin: boolean;
}) {
  const intl = useIntl();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      parameters.map((p) => {
        const value = configured[p.name];
        return [p.name, p.type === "password" || value === undefined || value === null ? "" : String(value)];
      }),
    ),
  );
  const [missing, setMissing] = useState<{ name: string; param: string; value: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const required = requiredNow(parameters, values);
  const { submit, busy, error } = useSubmission(async () => {
    setSaved(false);
    const unmet = parameters.find((p) => required.has(p.name) && effective(p, values).trim() === "");
    if (unmet) {
      setMissing({ name: unmet.name, param: unmet.requiredWhen!.param, value: unmet.requiredWhen!.equals });
      document.getElementById(fieldId(unmet.name))?.focus();
      return;
    }
    setMissing(null);
    const sent = Object.fromEntries(
      parameters.filter((p) => !(p.type === "password" && values[p.name] === "")).map((p) => [p.name, values[p.name] ?? ""]),
    );
    await api(`/playbooks/${encodeURIComponent(name)}/parameters`, { method: "PUT", body: { parameters: sent } });
    setSaved(true);
  });
  if (parameters.length === 0) return null;
  const change = (parameter: string, value: string) => {
    setSaved(false);
    setMissing(null);
    const next = { ...values, [parameter]: value };
    setValues(next);
    // A switch that makes another parameter required asks for it at once: the cursor goes to the empty field.
    const asked = parameters.find(
      (p) =>
        p.requiredWhen?.param === parameter &&
        !required.has(p.name) &&
        requiredNow(parameters, next).has(p.name) &&
        effective(p, next).trim() === "",
    );
    if (asked) setTimeout(() => document.getElementById(fieldId(asked.name))?.focus(), 0);
  };
  return (
    <form className="card stack playbook-parameters" data-testid="playbook-parameters" onSubmit={submit} noValidate>
      <h2>
        <FormattedMessage id="playbook.parameters" />
      </h2>
      <MutedNote message="playbook.parametersHint" />
      <fieldset className="form-grid plain" disabled={!admin}>
        {parameters.map((p) => {
          const id = fieldId(p.name);
          const isRequired = required.has(p.name) || Boolean(p.required && p.default === undefined);
          const hintId = `${id}-hint`;
          if (isSwitch(p)) {
            return (
              <div key={p.name} className="stack param" data-param={p.name}>
                <label className="inline" htmlFor={id}>
                  <input
                    id={id}
                    type="checkbox"
                    checked={same(effective(p, values), "true")}
                    onChange={(e) => change(p.name, e.target.checked ? "true" : "false")}
                    aria-describedby={p.description ? hintId : undefined}
                  />
                  {p.name}
                </label>
                {p.description && (
                  <small id={hintId} className="muted">
                    {p.description}
                  </small>
                )}
              </div>
            );
          }
          const unmet = missing?.name === p.name;
          return (
            <div key={p.name} className={`stack param${required.has(p.name) ? " required-now" : ""}`} data-param={p.name}>
              <label htmlFor={id}>
                {p.name}
                {isRequired && (
                  <span className="required" aria-hidden="true">
                    {" "}
                    *
                  </span>
                )}
              </label>
              <input
                id={id}
                type={p.type === "password" ? "password" : "text"}
                autoComplete={p.type === "password" ? "new-password" : "off"}
                value={values[p.name] ?? ""}
                placeholder={p.default !== undefined && p.default !== "" ? String(p.default) : ""}
                maxLength={10_000}
                aria-required={isRequired}
                aria-invalid={unmet || undefined}
                aria-describedby={hintId}
                onChange={(e) => change(p.name, e.target.value)}
              />
              <small id={hintId} className="muted">
                {required.has(p.name) && p.requiredWhen && (
                  <strong className="required">
                    <FormattedMessage
                      id="playbook.requiredWhile"
                      values={{ param: p.requiredWhen.param, value: <ConditionValue value={p.requiredWhen.equals} /> }}
                    />
                  </strong>
                )}
                {required.has(p.name) && p.description ? " " : null}
                {p.description}
              </small>
            </div>
          );
        })}
      </fieldset>
      {missing && (
        <p className="error" role="alert" data-testid="parameter-missing">
          {intl.formatMessage(
            { id: "playbook.missingRequired" },
            {
              name: missing.name,
              param: missing.param,
              value: same(missing.value, "true")
                ? intl.formatMessage({ id: "playbook.on" })
                : same(missing.value, "false")
                  ? intl.formatMessage({ id: "playbook.off" })
                  : `“${missing.value}”`,
            },
          )}
        </p>
      )}
      <ErrorLine error={error} />
      {admin && (
        <div>
          <button type="submit" disabled={busy}>
            <FormattedMessage id="playbook.saveParameters" />
          </button>{" "}
          <SavedNote shown={saved} message="playbook.parametersSaved" />
        </div>
      )}
    </form>
  );
}
