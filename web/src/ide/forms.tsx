// What the IDE's forms share: an API error shown as one alert line, a submission that keeps that error, and a definition's fields.
import { useState, type FormEvent, type ReactNode } from "react";
import { FormattedMessage } from "react-intl";
import type { ApiError } from "../api.js";

export function ErrorLine({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiError;
  return (
    <p className="error" role="alert">
      <FormattedMessage id="error.generic" values={{ code: e.code ?? "ERROR", message: e.message }} />
    </p>
  );
}

/** A form's submit handler around `action`: busy while it runs, and the error it failed with (null once it starts again). */
export function useSubmission(action: (form: HTMLFormElement) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    setError(null);
    setBusy(true);
    try {
      await action(form);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, error };
}

/** The bounds the platform's definitions accept (src/platform/catalog/package.ts): an interval up to a week, a timeout up to a day. */
const SECONDS_FIELDS = {
  interval: { label: "ide.interval", max: 604_800 },
  timeout: { label: "ide.timeout", max: 86_400 },
} as const;

/** A definition's interval or timeout, a whole number of seconds. */
export function SecondsField({
  field,
  id,
  value,
  onChange,
}: {
  field: keyof typeof SECONDS_FIELDS;
  id: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const { label, max } = SECONDS_FIELDS[field];
  return (
    <label className="stack">
      <FormattedMessage id={label} />
      <input id={id} type="number" min={1} max={max} value={value} onChange={(e) => onChange(e.target.value)} required />
    </label>
  );
}

/** A definition's description, up to the 5,000 characters the platform keeps. */
export function DescriptionField({ id, value, onChange }: { id: string; value: string; onChange: (value: string) => void }) {
  return (
    <label className="stack">
      <FormattedMessage id="ide.description" />
      <textarea id={id} value={value} onChange={(e) => onChange(e.target.value)} maxLength={5000} />
    </label>
  );
}

/** The end of a definition's form: why saving failed, and the Save button. */
export function SaveDefinition({ busy, error }: { busy: boolean; error: unknown }) {
  return (
    <>
      <ErrorLine error={error} />
      <div>
        <button type="submit" className="primary" disabled={busy}>
          <FormattedMessage id="ide.saveDefinition" />
        </button>
      </div>
    </>
  );
}

/** The Edit definition button, and in its place once pressed the form `form` renders; saving closes the form again. */
export function DefinitionEditor({ form, onSaved }: { form: (onSaved: () => void) => ReactNode; onSaved: () => void }) {
  const [editing, setEditing] = useState(false);
  if (editing)
    return form(() => {
      setEditing(false);
      onSaved();
    });
  return (
    <button type="button" onClick={() => setEditing(true)}>
      <FormattedMessage id="ide.editDefinition" />
    </button>
  );
}
