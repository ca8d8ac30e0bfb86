// A table of rows the user edits in place (a piece of code's parameters, a connector's entity mapping): a heading per
// column, each row's cells and its Remove button, and an Add button under the table that appends a blank row.
import type { ReactNode } from "react";
import { FormattedMessage } from "react-intl";
import { ColumnHeads, type Column } from "../blocks.js";
import type { CatalogMessageId } from "../messages.js";

export function EditableRows<Row>({
  className,
  columns,
  rows,
  onChange,
  blank,
  addLabel,
  cells,
}: {
  className: string;
  columns: readonly Column[];
  rows: Row[];
  onChange: (rows: Row[]) => void;
  /** What Add appends. */
  blank: Row;
  addLabel: CatalogMessageId;
  /** A row's cells (<td>s, one a column); `update` merges a change into that row. */
  cells: (row: Row, update: (change: Partial<Row>) => void) => ReactNode;
}) {
  const update = (index: number, change: Partial<Row>) => onChange(rows.map((r, i) => (i === index ? { ...r, ...change } : r)));
  return (
    <>
      <table className={className}>
        <ColumnHeads columns={[...columns, null]} />
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {cells(row, (change) => update(i, change))}
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
        <button type="button" className="small" onClick={() => onChange([...rows, blank])}>
          <FormattedMessage id={addLabel} />
        </button>
      </div>
    </>
  );
}

/** A <select>'s options whose values are shown as they are (entity types, parameter types: names in code). */
export function NameOptions({ names }: { names: readonly string[] }) {
  return names.map((name) => (
    <option key={name} value={name}>
      {name}
    </option>
  ));
}
