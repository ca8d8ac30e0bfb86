// The console's frame: language, session, navigation, and the page for the current path.
import { Suspense, useCallback, useEffect, useState, type FormEvent } from "react";
import { FormattedMessage, IntlProvider, useIntl } from "react-intl";
import { api, ApiError, setCsrfToken, type User } from "./api.js";
import { CODE_TAGS, LanguageSwitch, SignInCard } from "./frame.js";
import { CATALOGS, pickLocale, type Locale } from "./messages.js";
import { Link, usePath } from "./router.js";
import { Setup } from "./pages/Setup.js";
import { lights, visibleTo } from "./route-match.js";
import { ROUTES, routeFor, SETUP_PATH } from "./routes.js";
import { ProblemLine, LabelledInput } from "./blocks.js";

const LOCALE_KEY = "intake.locale";

function initialLocale(): Locale {
  const saved = window.localStorage.getItem(LOCALE_KEY);
  if (saved === "en" || saved === "ko") return saved;
  return pickLocale(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

export function App() {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const onSetupPage = usePath().split("?")[0] === SETUP_PATH;

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  useEffect(() => {
    api<{ user: User; csrfToken: string }>("/session").then(
      (session) => {
        setCsrfToken(session.csrfToken);
        setUser(session.user);
      },
      () => setUser(null),
    );
  }, []);

  const changeLocale = (next: Locale) => {
    window.localStorage.setItem(LOCALE_KEY, next);
    setLocale(next);
  };

  return (
    <IntlProvider locale={locale} messages={CATALOGS[locale]} defaultLocale="en">
      {onSetupPage ? (
        <Setup onSignedIn={setUser} locale={locale} onLocale={changeLocale} />
      ) : user === undefined ? null : user === null ? (
        <Login onSignedIn={setUser} locale={locale} onLocale={changeLocale} />
      ) : (
        <Shell user={user} locale={locale} onLocale={changeLocale} onSignedOut={() => setUser(null)} />
      )}
    </IntlProvider>
  );
}

function Login({ onSignedIn, locale, onLocale }: { onSignedIn: (user: User) => void; locale: Locale; onLocale: (locale: Locale) => void }) {
  const intl = useIntl();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  // With no user yet nobody can sign in: the page says where the first admin comes from.
  const [firstRun, setFirstRun] = useState(false);
  useEffect(() => {
    api<{ firstRun: boolean }>("/first-run").then(
      (answer) => setFirstRun(answer.firstRun),
      () => undefined,
    );
  }, []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      const session = await api<{ user: User; csrfToken: string }>("/login", { method: "POST", body: { username, password } });
      setCsrfToken(session.csrfToken);
      onSignedIn(session.user);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 429
          ? intl.formatMessage({ id: "login.throttled" })
          : intl.formatMessage({ id: "login.failed" }),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <SignInCard title="login.title" onSubmit={submit} locale={locale} onLocale={onLocale}>
      {firstRun && (
        <p className="first-run" role="note">
          <FormattedMessage id="login.firstRun" values={CODE_TAGS} />
        </p>
      )}
      <LabelledInput
        id="username"
        label="login.username"
        name="username"
        autoComplete="username"
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        required
      />
      <LabelledInput
        id="password"
        label="login.password"
        name="password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        required
      />
      <ProblemLine text={error} />
      <button type="submit" className="primary" disabled={busy}>
        <FormattedMessage id="login.submit" />
      </button>
    </SignInCard>
  );
}

function Shell({
  user,
  locale,
  onLocale,
  onSignedOut,
}: {
  user: User;
  locale: Locale;
  onLocale: (locale: Locale) => void;
  onSignedOut: () => void;
}) {
  const path = usePath();
  const pathname = path.split("?")[0]!;
  const signOut = useCallback(async () => {
    await api("/logout", { method: "POST" }).catch(() => undefined);
    onSignedOut();
  }, [onSignedOut]);
  const { route, params } = routeFor(user, pathname);
  return (
    <>
      <header className="top">
        <strong className="brand">
          <FormattedMessage id="app.title" />
        </strong>
        <nav>
          {ROUTES.filter(visibleTo(user)).map(
            (entry) =>
              entry.nav && (
                <Link key={entry.path} to={entry.path} className={lights(entry, route) ? "active" : ""}>
                  <FormattedMessage id={`nav.${entry.nav}`} />
                </Link>
              ),
          )}
        </nav>
        <span className="spacer" />
        <span className="who">
          <FormattedMessage id="nav.signedInAs" values={{ name: user.name, role: user.role }} />
        </span>
        <LanguageSwitch locale={locale} onLocale={onLocale} />
        <button type="button" onClick={() => void signOut()}>
          <FormattedMessage id="nav.signOut" />
        </button>
      </header>
      <main className="page">
        {/* Lazily loaded pages (the IDE, playbooks) show nothing while their code arrives. */}
        <Suspense fallback={null}>{route.component({ user, path, pathname, params })}</Suspense>
      </main>
    </>
  );
}
