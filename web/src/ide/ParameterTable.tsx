// The declared parameters of a piece of code (name, type, default, required, description), edited as table rows.
import { useIntl } from "react-intl";
import type { Parameter } from "../api.js";
import { PARAMETER_TYPES } from "../../../src/sdk/parameter-types.js";
import { EditableRows, NameOptions } from "./EditableRows.js";

/** A parameter as its row holds it: every field as typed, the default still text. */
export type ParameterRow = { name: string; type: Parameter["type"]; default: string; required: boolean; description: string };

const EMPTY_ROW: ParameterRow = { name: "", type: "string", default: "", required: false, description: "" };

export function toRows(parameters: Parameter[]): ParameterRow[] {
  return parameters.map((p) => ({
    name: p.name,
    type: p.type,
    default: p.default === undefined ? "" : String(p.default),
    required: Boolean(p.required),
    description: p.description ?? "",
  }));
}

/** Rows without a name are dropped; a default is converted to the parameter's type. */
export function fromRows(rows: ParameterRow[]): Parameter[] {
  return rows
    .filter((r) => r.name.trim())
    .map((r) => ({
      name: r.name.trim(),
      type: r.type,
      ...(r.default !== ""
        ? { default: r.type === "int" ? Number(r.default) : r.type === "boolean" ? r.default === "true" : r.default }
        : {}),
      ...(r.required ? { required: true } : {}),
      ...(r.description ? { description: r.description } : {}),
    }));
}

export function ParameterTable({ rows, onChange }: { rows: ParameterRow[]; onChange: (rows: ParameterRow[]) => void }) {
  const intl = useIntl();
  const label = (id: string) => intl.formatMessage({ id });
  return (
    <EditableRows
      className="parameters"
      columns={["ide.param.name", "ide.param.type", "ide.param.default", "ide.param.required", "ide.description"]}
      rows={rows}
      onChange={onChange}
      blank={EMPTY_ROW}
      addLabel="ide.param.add"
      cells={(row, update) => (
        <>
          <td>
            <input aria-label={label("ide.param.name")} value={row.name} onChange={(e) => update({ name: e.target.value })} />
          </td>
          <td>
            <select
              aria-label={label("ide.param.type")}
              value={row.type}
              onChange={(e) => update({ type: e.target.value as Parameter["type"] })}
            >
              <NameOptions names={PARAMETER_TYPES} />
            </select>
          </td>
          <td>
            <input
              aria-label={label("ide.param.default")}
              value={row.default}
              disabled={row.type === "password"}
              onChange={(e) => update({ default: e.target.value })}
            />
          </td>
          <td>
            <input
              type="checkbox"
              aria-label={label("ide.param.required")}
              checked={row.required}
              onChange={(e) => update({ required: e.target.checked })}
            />
          </td>
          <td>
            <input
              aria-label={label("ide.description")}
              value={row.description}
              onChange={(e) => update({ description: e.target.value })}
            />
          </td>
        </>
      )}
    />
  );
}
