// The first-run page: the one-time link `intake serve` printed creates the first admin and signs them in.
import { useEffect, useState, type FormEvent } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, ApiError, setCsrfToken, type User } from "../api.js";
import { CODE_TAGS, SignInCard } from "../frame.js";
import type { Locale } from "../messages.js";
import { Link, navigate } from "../router.js";
import { MutedNote, ProblemLine, LabelledInput } from "../blocks.js";

/** What the server's refusal means to the person at the form. */
const REFUSALS: Record<string, string> = { USER_NAME: "setup.badName", USER_PASSWORD: "setup.badPassword" };

export function Setup({
  onSignedIn,
  locale,
  onLocale,
}: {
  onSignedIn: (user: User) => void;
  locale: Locale;
  onLocale: (locale: Locale) => void;
}) {
  const intl = useIntl();
  const token = new URLSearchParams(window.location.search).get("token") ?? "";
  const [state, setState] = useState<"checking" | "open" | "gone">("checking");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api(`/setup?token=${encodeURIComponent(token)}`).then(
      () => setState("open"),
      () => setState("gone"),
    );
  }, [token]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== confirm) {
      setError(intl.formatMessage({ id: "setup.mismatch" }));
      return;
    }
    setBusy(true);
    setError("");
    try {
      const session = await api<{ user: User; csrfToken: string }>("/setup", { method: "POST", body: { token, username, password } });
      setCsrfToken(session.csrfToken);
      // The token leaves the address bar and the history: it is spent.
      navigate("/", { replace: true });
      onSignedIn(session.user);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setState("gone");
      else if (e instanceof ApiError && REFUSALS[e.code]) setError(intl.formatMessage({ id: REFUSALS[e.code] }));
      else
        setError(
          intl.formatMessage({ id: "error.generic" }, { code: e instanceof ApiError ? e.code : "ERROR", message: (e as Error).message }),
        );
    } finally {
      setBusy(false);
    }
  };

  return (
    <SignInCard title="setup.title" onSubmit={submit} locale={locale} onLocale={onLocale}>
      {state === "checking" && <MutedNote message="common.loading" />}
      {state === "gone" && (
        <>
          <p role="alert">
            <FormattedMessage id="setup.gone" />
          </p>
          <Link to="/">
            <FormattedMessage id="setup.toSignIn" />
          </Link>
        </>
      )}
      {state === "open" && (
        <>
          <p className="muted">
            <FormattedMessage id="setup.intro" values={CODE_TAGS} />
          </p>
          <LabelledInput
            id="setup-username"
            label="setup.username"
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            maxLength={64}
          />
          <LabelledInput
            id="setup-password"
            label="setup.password"
            name="password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            minLength={8}
            maxLength={1024}
          />
          <LabelledInput
            id="setup-confirm"
            label="setup.confirm"
            name="confirm"
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            required
            minLength={8}
            maxLength={1024}
          />
          <ProblemLine text={error} />
          <button type="submit" className="primary" disabled={busy}>
            <FormattedMessage id="setup.submit" />
          </button>
        </>
      )}
    </SignInCard>
  );
}
