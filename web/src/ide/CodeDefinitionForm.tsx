// An action's or a job's definition: name and file, description, parameters, timeout, and the entity types an
// action runs on or a job's interval; saving it creates the code (with a template) or updates it.
import { useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api } from "../api.js";
import { ENTITY_TYPES } from "../../../src/sdk/entity-types.js";
import type { ActionDefinition, JobDefinition } from "../respond/api.js";
import { DescriptionField, SaveDefinition, SecondsField, useSubmission } from "./forms.js";
import { fromRows, ParameterTable, toRows } from "./ParameterTable.js";

export type CodeKind = "actions" | "jobs";

export function CodeDefinitionForm({
  slug,
  kind,
  existing,
  onSaved,
}: {
  slug: string;
  kind: CodeKind;
  existing?: ActionDefinition | JobDefinition;
  onSaved: (fileBase: string) => void;
}) {
  const intl = useIntl();
  const [name, setName] = useState(existing?.name ?? "");
  const [fileBase, setFileBase] = useState(existing?.fileBase ?? "");
  const [description, setDescription] = useState(existing?.description ?? "");
  const [parameters, setParameters] = useState(toRows(existing?.parameters ?? []));
  const [timeout, setTimeoutSeconds] = useState(String(existing?.timeoutSeconds ?? 60));
  const [interval, setInterval] = useState(String((existing as JobDefinition | undefined)?.intervalSeconds ?? 3600));
  const [entityTypes, setEntityTypes] = useState<string[]>((existing as ActionDefinition | undefined)?.entityTypes ?? []);
  const { submit, busy, error } = useSubmission(async () => {
    const file =
      fileBase ||
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 60);
    const common = { name, description, parameters: fromRows(parameters), timeoutSeconds: Number(timeout) };
    const body = kind === "actions" ? { ...common, entityTypes } : { ...common, intervalSeconds: Number(interval) };
    await api(`/ide/integrations/${encodeURIComponent(slug)}/${kind}/${encodeURIComponent(file)}`, { method: "PUT", body });
    onSaved(file);
  });
  const toggle = (type: string, on: boolean) => setEntityTypes((current) => (on ? [...current, type] : current.filter((t) => t !== type)));
  return (
    <form className="card stack definition-form" onSubmit={submit} data-kind={kind}>
      <h3>
        {existing ? (
          <FormattedMessage id="ide.editDefinition" />
        ) : (
          <FormattedMessage id={kind === "actions" ? "ide.newAction" : "ide.newJob"} />
        )}
      </h3>
      <div className="form-grid">
        <label className="stack">
          <FormattedMessage id="ide.codeName" />
          <input id={`${kind}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <label className="stack">
          <FormattedMessage id="ide.fileName" />
          <input
            id={`${kind}-file`}
            value={fileBase}
            disabled={Boolean(existing)}
            pattern="[a-z0-9][a-z0-9_\-]{0,59}"
            placeholder={intl.formatMessage({ id: "ide.fileNameHint" })}
            onChange={(e) => setFileBase(e.target.value)}
          />
        </label>
        {kind === "jobs" && <SecondsField field="interval" id="jobs-interval" value={interval} onChange={setInterval} />}
        <SecondsField field="timeout" id={`${kind}-timeout`} value={timeout} onChange={setTimeoutSeconds} />
      </div>
      <DescriptionField id={`${kind}-description`} value={description} onChange={setDescription} />
      {kind === "actions" && (
        <fieldset className="entity-types">
          <legend>
            <FormattedMessage id="ide.entityTypes" />
          </legend>
          {ENTITY_TYPES.map((type) => (
            <label key={type} className="inline">
              <input type="checkbox" checked={entityTypes.includes(type)} onChange={(e) => toggle(type, e.target.checked)} /> {type}
            </label>
          ))}
        </fieldset>
      )}
      <h4>
        <FormattedMessage id="ide.parameters" />
      </h4>
      <ParameterTable rows={parameters} onChange={setParameters} />
      <SaveDefinition busy={busy} error={error} />
    </form>
  );
}
