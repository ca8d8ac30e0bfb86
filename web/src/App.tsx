// The console's frame: language, session, navigation, and the page for the current path.
import { lazy, Suspense, useCallback, useEffect, useState, type FormEvent } from "react";
import { FormattedMessage, IntlProvider, useIntl } from "react-intl";
import { api, ApiError, setCsrfToken, type User } from "./api.js";
import { CODE_TAGS, LanguageSwitch, SignInCard } from "./frame.js";
import { CATALOGS, pickLocale, type Locale } from "./messages.js";
import { Link, usePath } from "./router.js";
import { Setup } from "./pages/Setup.js";
import { Overview } from "./pages/Overview.js";
import { CaseQueue } from "./pages/CaseQueue.js";
import { CaseView } from "./pages/CaseView.js";
import { Connectors } from "./pages/Connectors.js";
import { Runs } from "./pages/Runs.js";
import { Feeds } from "./feeds/Feeds.js";
import { Lists } from "./lists/Lists.js";
import { Workers } from "./workers/Workers.js";
import { ReplyTemplates } from "./respond/ReplyTemplates.js";
// The IDE carries the code editor: loaded only when an admin opens it.
const Ide = lazy(() => import("./pages/Ide.js").then((m) => ({ default: m.Ide })));
const Playbooks = lazy(() => import("./respond/Playbooks.js").then((m) => ({ default: m.Playbooks })));

const LOCALE_KEY = "intake.locale";

function initialLocale(): Locale {
  const saved = window.localStorage.getItem(LOCALE_KEY);
  if (saved === "en" || saved === "ko") return saved;
  return pickLocale(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

export function App() {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const onSetupPage = usePath().split("?")[0] === "/setup";

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  useEffect(() => {
    api<{ user: User; csrfToken: string }>("/session").then((session) => {
      setCsrfToken(session.csrfToken);
      setUser(session.user);
    }, () => setUser(null));
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
    api<{ firstRun: boolean }>("/first-run").then((answer) => setFirstRun(answer.firstRun), () => undefined);
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
      setError(e instanceof ApiError && e.status === 429 ? intl.formatMessage({ id: "login.throttled" }) : intl.formatMessage({ id: "login.failed" }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <SignInCard title="login.title" onSubmit={submit} locale={locale} onLocale={onLocale}>
      {firstRun && <p className="first-run" role="note"><FormattedMessage id="login.firstRun" values={CODE_TAGS} /></p>}
      <label htmlFor="username"><FormattedMessage id="login.username" /></label>
      <input id="username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
      <label htmlFor="password"><FormattedMessage id="login.password" /></label>
      <input id="password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" className="primary" disabled={busy}><FormattedMessage id="login.submit" /></button>
    </SignInCard>
  );
}

function Shell({ user, locale, onLocale, onSignedOut }: { user: User; locale: Locale; onLocale: (locale: Locale) => void; onSignedOut: () => void }) {
  const path = usePath();
  const pathname = path.split("?")[0]!;
  const signOut = useCallback(async () => {
    await api("/logout", { method: "POST" }).catch(() => undefined);
    onSignedOut();
  }, [onSignedOut]);
  const caseMatch = /^\/cases\/(\d+)$/.exec(pathname);
  const section = pathname.startsWith("/cases") ? "cases" : pathname.startsWith("/connectors") ? "connectors" : pathname.startsWith("/runs") ? "runs" : pathname.startsWith("/playbooks") ? "playbooks" : pathname.startsWith("/feeds") ? "feeds" : pathname.startsWith("/lists") ? "lists" : pathname.startsWith("/replies") ? "replies" : pathname.startsWith("/workers") ? "workers" : pathname.startsWith("/ide") && user.role === "admin" ? "ide" : "overview";
  return (
    <>
      <header className="top">
        <strong className="brand"><FormattedMessage id="app.title" /></strong>
        <nav>
          {(["overview", "cases", "connectors", "runs", "workers", "playbooks", "feeds", "lists", "replies", ...(user.role === "admin" ? ["ide" as const] : [])] as const).map((name) => (
            <Link key={name} to={name === "overview" ? "/" : `/${name}`} className={section === name ? "active" : ""}>
              <FormattedMessage id={`nav.${name}`} />
            </Link>
          ))}
        </nav>
        <span className="spacer" />
        <span className="who"><FormattedMessage id="nav.signedInAs" values={{ name: user.name, role: user.role }} /></span>
        <LanguageSwitch locale={locale} onLocale={onLocale} />
        <button type="button" onClick={() => void signOut()}><FormattedMessage id="nav.signOut" /></button>
      </header>
      <main className="page">
        {caseMatch ? <CaseView id={Number(caseMatch[1])} admin={user.role === "admin"} /> :
          section === "cases" ? <CaseQueue /> :
          section === "connectors" ? <Connectors user={user} /> :
          section === "runs" ? <Runs path={path} /> :
          section === "workers" ? <Workers /> :
          section === "feeds" ? <Feeds user={user} /> :
          section === "lists" ? <Lists user={user} /> :
          section === "playbooks" ? <Suspense fallback={null}><Playbooks path={pathname} user={user} /></Suspense> :
          section === "replies" ? <ReplyTemplates user={user} /> :
          section === "ide" ? <Suspense fallback={null}><Ide path={pathname} /></Suspense> : <Overview />}
      </main>
    </>
  );
}
