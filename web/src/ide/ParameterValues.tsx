// Values typed for declared parameters (what Play runs with and Enable stores): one field per parameter.
import type { Parameter } from "../api.js";

export type ParameterValues = Record<string, string>;

/** Only the fields filled in: an empty one means the parameter's default. */
export function filledValues(values: ParameterValues): ParameterValues {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ""));
}

/** The fields' ids are `<idPrefix>-<parameter name>`. */
export function ParameterValuesForm({
  parameters,
  values,
  onChange,
  idPrefix,
}: {
  parameters: Parameter[];
  values: ParameterValues;
  onChange: (values: ParameterValues) => void;
  idPrefix: string;
}) {
  return (
    <div className="params">
      {parameters.map((p) => {
        const id = `${idPrefix}-${p.name.replace(/[^\w]/g, "_")}`;
        return (
          <label key={p.name} htmlFor={id} className="stack">
            {p.name}
            {p.required ? " *" : ""}
            <input
              id={id}
              type={p.type === "password" ? "password" : "text"}
              autoComplete={p.type === "password" ? "new-password" : "off"}
              value={values[p.name] ?? ""}
              placeholder={p.default !== undefined ? String(p.default) : ""}
              onChange={(e) => onChange({ ...values, [p.name]: e.target.value })}
            />
          </label>
        );
      })}
    </div>
  );
}
