// A connector's entity mapping (event field → entity type), edited as table rows.
import { FormattedMessage, useIntl } from "react-intl";
import { ENTITY_TYPES } from "../../../src/sdk/entity-types.js";
import { ColumnHeads, MutedNote } from "../blocks.js";

export type MappingRow = { field: string; type: string };

export function toMappingRows(mapping: Record<string, string> | undefined): MappingRow[] {
  return Object.entries(mapping ?? {}).map(([field, type]) => ({ field, type }));
}

/** Rows without a field name are dropped. */
export function fromMappingRows(rows: MappingRow[]): Record<string, string> {
  return Object.fromEntries(rows.filter((r) => r.field.trim()).map((r) => [r.field.trim(), r.type]));
}

export function EntityMappingTable({ rows, onChange }: { rows: MappingRow[]; onChange: (rows: MappingRow[]) => void }) {
  const intl = useIntl();
  const label = (id: string) => intl.formatMessage({ id });
  const update = (index: number, change: Partial<MappingRow>) => onChange(rows.map((r, i) => (i === index ? { ...r, ...change } : r)));
  return (
    <>
      <MutedNote message="ide.mapping.hint" />
      <table className="parameters entity-mapping">
        <ColumnHeads columns={["ide.mapping.field", "ide.mapping.type", null]} />
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <td>
                <input
                  aria-label={label("ide.mapping.field")}
                  value={row.field}
                  maxLength={200}
                  onChange={(e) => update(i, { field: e.target.value })}
                />
              </td>
              <td>
                <select aria-label={label("ide.mapping.type")} value={row.type} onChange={(e) => update(i, { type: e.target.value })}>
                  {ENTITY_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
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
        <button type="button" className="small" onClick={() => onChange([...rows, { field: "", type: "URL" }])}>
          <FormattedMessage id="ide.mapping.add" />
        </button>
      </div>
    </>
  );
}
