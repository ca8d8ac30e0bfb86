// The declared parameters of a piece of code (name, type, default, required, description), edited as table rows.
import { FormattedMessage, useIntl } from "react-intl";
import type { Parameter } from "../api.js";
import { PARAMETER_TYPES } from "../../../src/sdk/parameter-types.js";
import { ColumnHeads } from "../blocks.js";

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
  const update = (index: number, change: Partial<ParameterRow>) => onChange(rows.map((r, i) => (i === index ? { ...r, ...change } : r)));
  return (
    <>
      <table className="parameters">
        <ColumnHeads columns={["ide.param.name", "ide.param.type", "ide.param.default", "ide.param.required", "ide.description", null]} />
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <td>
                <input aria-label={label("ide.param.name")} value={row.name} onChange={(e) => update(i, { name: e.target.value })} />
              </td>
              <td>
                <select
                  aria-label={label("ide.param.type")}
                  value={row.type}
                  onChange={(e) => update(i, { type: e.target.value as Parameter["type"] })}
                >
                  {PARAMETER_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  aria-label={label("ide.param.default")}
                  value={row.default}
                  disabled={row.type === "password"}
                  onChange={(e) => update(i, { default: e.target.value })}
                />
              </td>
              <td>
                <input
                  type="checkbox"
                  aria-label={label("ide.param.required")}
                  checked={row.required}
                  onChange={(e) => update(i, { required: e.target.checked })}
                />
              </td>
              <td>
                <input
                  aria-label={label("ide.description")}
                  value={row.description}
                  onChange={(e) => update(i, { description: e.target.value })}
                />
              </td>
              <td>
                <button type="button" className="small danger" onClick={() => onChange(rows.filter((_, k) => k !== i))}>
                  <FormattedMessage id="ide.param.remove" />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div>
        <button type="button" className="small" onClick={() => onChange([...rows, EMPTY_ROW])}>
          <FormattedMessage id="ide.param.add" />
        </button>
      </div>
    </>
  );
}
