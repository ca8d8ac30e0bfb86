// A connector's definition: its name and file, parameters, field mappings, entity mapping, interval and timeout; saving it
// creates the connector (with a template) or updates it.
import { useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, type ConnectorDefinition } from "../api.js";
import { DescriptionField, SaveDefinition, SecondsField, useSubmission } from "./forms.js";
import { fromRows, ParameterTable, toRows, type ParameterRow } from "./ParameterTable.js";
import { EntityMappingTable, fromMappingRows, toMappingRows, type MappingRow } from "./EntityMappingTable.js";

/** The form's fields as typed: numbers stay text until saved. */
interface DefinitionDraft {
  fileBase: string;
  name: string;
  description: string;
  parameters: ParameterRow[];
  productFieldName: string;
  eventFieldName: string;
  interval: string;
  timeout: string;
  mapping: MappingRow[];
}

function draftOf(existing: ConnectorDefinition | undefined): DefinitionDraft {
  return {
    fileBase: existing?.fileBase ?? "",
    name: existing?.name ?? "",
    description: existing?.description ?? "",
    parameters: toRows(existing?.parameters ?? []),
    productFieldName: existing?.productFieldName ?? "device_product",
    eventFieldName: existing?.eventFieldName ?? "event_name",
    interval: String(existing?.intervalSeconds ?? 300),
    timeout: String(existing?.timeoutSeconds ?? 60),
    mapping: toMappingRows(existing?.entityMapping),
  };
}

/** A file name made from the connector's name when none is given. */
function fileBaseOf(draft: DefinitionDraft): string {
  return (
    draft.fileBase ||
    draft.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60)
  );
}

export function ConnectorDefinitionForm({
  slug,
  existing,
  onSaved,
}: {
  slug: string;
  existing?: ConnectorDefinition;
  onSaved: (fileBase: string) => void;
}) {
  const intl = useIntl();
  const [draft, setDraft] = useState(() => draftOf(existing));
  const change = (fields: Partial<DefinitionDraft>) => setDraft((current) => ({ ...current, ...fields }));
  const { submit, busy, error } = useSubmission(async () => {
    const fileBase = fileBaseOf(draft);
    await api(`/ide/integrations/${encodeURIComponent(slug)}/connectors/${encodeURIComponent(fileBase)}`, {
      method: "PUT",
      body: {
        name: draft.name,
        description: draft.description,
        parameters: fromRows(draft.parameters),
        productFieldName: draft.productFieldName,
        eventFieldName: draft.eventFieldName,
        intervalSeconds: Number(draft.interval),
        timeoutSeconds: Number(draft.timeout),
        entityMapping: fromMappingRows(draft.mapping),
      },
    });
    onSaved(fileBase);
  });
  return (
    <form className="card stack definition-form" onSubmit={submit}>
      <h3>{existing ? <FormattedMessage id="ide.editDefinition" /> : <FormattedMessage id="ide.newConnector" />}</h3>
      <div className="form-grid">
        <label className="stack">
          <FormattedMessage id="ide.connectorName" />
          <input id="definition-name" value={draft.name} onChange={(e) => change({ name: e.target.value })} required maxLength={200} />
        </label>
        <label className="stack">
          <FormattedMessage id="ide.fileName" />
          <input
            id="definition-file"
            value={draft.fileBase}
            disabled={Boolean(existing)}
            pattern="[a-z0-9][a-z0-9_\-]{0,59}"
            placeholder={intl.formatMessage({ id: "ide.fileNameHint" })}
            onChange={(e) => change({ fileBase: e.target.value })}
          />
        </label>
        <label className="stack">
          <FormattedMessage id="ide.productField" />
          <input
            id="definition-product"
            value={draft.productFieldName}
            onChange={(e) => change({ productFieldName: e.target.value })}
            required
          />
        </label>
        <label className="stack">
          <FormattedMessage id="ide.eventField" />
          <input id="definition-event" value={draft.eventFieldName} onChange={(e) => change({ eventFieldName: e.target.value })} required />
        </label>
        <SecondsField field="interval" id="definition-interval" value={draft.interval} onChange={(interval) => change({ interval })} />
        <SecondsField field="timeout" id="definition-timeout" value={draft.timeout} onChange={(timeout) => change({ timeout })} />
      </div>
      <DescriptionField id="definition-description" value={draft.description} onChange={(description) => change({ description })} />
      <h4>
        <FormattedMessage id="ide.parameters" />
      </h4>
      <ParameterTable rows={draft.parameters} onChange={(parameters) => change({ parameters })} />
      <h4>
        <FormattedMessage id="ide.mapping.title" />
      </h4>
      <EntityMappingTable rows={draft.mapping} onChange={(mapping) => change({ mapping })} />
      <SaveDefinition busy={busy} error={error} />
    </form>
  );
}
