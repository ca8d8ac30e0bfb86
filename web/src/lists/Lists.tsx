// The Lists page: every custom list the triage reads (shared infrastructure, shorteners, brands, VIPs…), one
// textarea each; admins save an edit (it replaces the shipped default) or reset to the default, analysts read.
import { useCallback, useEffect, useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, ApiError, type CustomList, type User } from "../api.js";
import { When } from "../format.js";
import { Loading, MutedNote, ProblemLine, NoticeLine } from "../blocks.js";

/** The server's bounds (PUT /api/lists/:name), checked before sending so the admin sees which line is wrong. */
const MAX_ENTRIES = 10_000;
const MAX_ENTRY_LENGTH = 500;

/** The textarea's lines as entries: trimmed, blank lines dropped (the platform drops # comments as it does in a file). */
function entriesOf(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

function ListCard({ list, admin, onSaved }: { list: CustomList; admin: boolean; onSaved: () => void }) {
  const intl = useIntl();
  const [text, setText] = useState(list.entries.join("\n"));
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // A reload after a save or reset brings the stored entries: the textarea shows them.
  useEffect(() => setText(list.entries.join("\n")), [list]);
  const id = `list-${list.name.replace(/[^\w]/g, "_")}`;
  const send = async (method: "PUT" | "DELETE") => {
    setProblem(null);
    setNotice(null);
    const entries = entriesOf(text);
    if (method === "PUT") {
      const long = entries.findIndex((entry) => entry.length > MAX_ENTRY_LENGTH);
      if (entries.length > MAX_ENTRIES)
        return setProblem(intl.formatMessage({ id: "lists.tooManyEntries" }, { max: MAX_ENTRIES, count: entries.length }));
      if (long >= 0)
        return setProblem(intl.formatMessage({ id: "lists.tooMany" }, { max: MAX_ENTRIES, length: MAX_ENTRY_LENGTH, line: long + 1 }));
    }
    setBusy(true);
    try {
      await api(`/lists/${encodeURIComponent(list.name)}`, method === "PUT" ? { method, body: { entries } } : { method });
      setNotice(intl.formatMessage({ id: method === "PUT" ? "lists.saved" : "lists.wasReset" }));
      // Read again: who edited it and when, or the default's entries after a reset.
      onSaved();
    } catch (error) {
      setProblem(error instanceof ApiError ? `${error.code}: ${error.message}` : String(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card custom-list" data-list={list.name}>
      <h2>
        <label htmlFor={id}>{list.name}</label>
      </h2>
      <p className="meta muted" data-testid="list-state">
        <FormattedMessage id="lists.entries" values={{ count: list.entries.length }} /> ·{" "}
        {list.edited ? (
          <>
            {list.updatedBy ? (
              <FormattedMessage id="lists.edited" values={{ who: list.updatedBy }} />
            ) : (
              <FormattedMessage id="lists.editedNobody" />
            )}
            {list.updatedAt ? (
              <>
                {" "}
                <When time={list.updatedAt} />
              </>
            ) : null}
          </>
        ) : (
          <span className="badge">
            <FormattedMessage id="lists.default" />
          </span>
        )}
      </p>
      <textarea
        id={id}
        className="mono list-entries"
        value={text}
        readOnly={!admin}
        spellCheck={false}
        rows={Math.min(Math.max(list.entries.length + 1, 4), 16)}
        onChange={(e) => setText(e.target.value)}
      />
      <ProblemLine text={problem} />
      <NoticeLine text={notice} />
      {admin && (
        <div className="actions">
          <button type="button" className="primary" disabled={busy} onClick={() => void send("PUT")}>
            <FormattedMessage id="lists.save" />
          </button>
          <button type="button" disabled={busy || !list.edited} onClick={() => void send("DELETE")}>
            <FormattedMessage id="lists.reset" />
          </button>
        </div>
      )}
    </section>
  );
}

export function Lists({ user }: { user: User }) {
  const [lists, setLists] = useState<CustomList[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const load = useCallback(
    () =>
      void api<CustomList[]>("/lists").then(setLists, (error: unknown) => {
        setLists([]);
        setProblem(error instanceof ApiError ? `${error.code}: ${error.message}` : String(error));
      }),
    [],
  );
  useEffect(load, [load]);
  const admin = user.role === "admin";
  if (!lists) return <Loading />;
  return (
    <div className="lists">
      <h1>
        <FormattedMessage id="lists.title" />
      </h1>
      <MutedNote message="lists.intro" />
      {!admin && (
        <p className="muted" role="note">
          <FormattedMessage id="lists.readOnly" />
        </p>
      )}
      <ProblemLine text={problem} />
      {lists.length === 0 && !problem ? (
        <MutedNote message="lists.empty" />
      ) : (
        lists.map((list) => <ListCard key={list.name} list={list} admin={admin} onSaved={load} />)
      )}
    </div>
  );
}
