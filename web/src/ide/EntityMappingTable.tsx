// A connector's entity mapping (event field → entity type), edited as table rows.
import { useIntl } from "react-intl";
import { ENTITY_TYPES } from "../../../src/sdk/entity-types.js";
import { MutedNote } from "../blocks.js";
import { EditableRows, NameOptions } from "./EditableRows.js";

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
  return (
    <>
      <MutedNote message="ide.mapping.hint" />
      <EditableRows
        className="parameters entity-mapping"
        columns={["ide.mapping.field", "ide.mapping.type"]}
        rows={rows}
        onChange={onChange}
        blank={{ field: "", type: "URL" }}
        addLabel="ide.mapping.add"
        cells={(row, update) => (
          <>
            <td>
              <input
                aria-label={label("ide.mapping.field")}
                value={row.field}
                maxLength={200}
                onChange={(e) => update({ field: e.target.value })}
              />
            </td>
            <td>
              <select aria-label={label("ide.mapping.type")} value={row.type} onChange={(e) => update({ type: e.target.value })}>
                <NameOptions names={ENTITY_TYPES} />
              </select>
            </td>
          </>
        )}
      />
    </>
  );
}
