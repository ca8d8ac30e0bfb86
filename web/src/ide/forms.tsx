// What the IDE's forms share: an API error shown as one alert line, and a submission that keeps that error.
import { useState, type FormEvent } from "react";
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
