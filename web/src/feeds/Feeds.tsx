// The Feeds page: each threat-intel feed's source, reliability (A–F, which sets the weight of its matches; an
// admin changes it in place), last refresh, indicator count and last error; a refresh button; an admin's form to
// add one. Every value is shown as text (a feed's error may quote its file).
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, ApiError, type Feed as ApiFeed, type User } from "../api.js";
import { When } from "../format.js";
import type { MessageId } from "../messages.js";
import { FEED_FORMAT_TABLE } from "../../../src/sdk/feed-formats.js";
import { DEFAULT_SOURCE_RELIABILITY, SOURCE_RELIABILITIES } from "../../../src/sdk/vocabulary.js";
import { ColumnHeads, Loading, MutedNote, ProblemLine, NoticeLine } from "../blocks.js";

/** reliability: absent from a server that predates it (then shown as the default, C). */
type Feed = Omit<ApiFeed, "reliability"> & { reliability?: string };

/** XSOAR's source reliability, A (completely reliable) to F (cannot be judged). */
export const RELIABILITIES = SOURCE_RELIABILITIES;
const DEFAULT_RELIABILITY: string = DEFAULT_SOURCE_RELIABILITY;

function ReliabilityOptions() {
  const intl = useIntl();
  return (
    <>
      {RELIABILITIES.map((r) => (
        <option key={r} value={r}>
          {intl.formatMessage({ id: `feeds.reliability.${r}` as MessageId })}
        </option>
      ))}
    </>
  );
}

export function Feeds({ user }: { user: User }) {
  const intl = useIntl();
  const [feeds, setFeeds] = useState<Feed[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [draft, setDraft] = useState({
    name: "",
    format: FEED_FORMAT_TABLE[0].name as string,
    source: "",
    interval: "3600",
    reliability: DEFAULT_RELIABILITY,
  });
  const load = useCallback(() => void api<Feed[]>("/feeds").then(setFeeds, () => setFeeds([])), []);
  useEffect(() => {
    load();
    const timer = setInterval(load, 10_000);
    return () => clearInterval(timer);
  }, [load]);
  const fail = (error: unknown) => setProblem(error instanceof ApiError ? `${error.code}: ${error.message}` : String(error));
  const refresh = async (name: string) => {
    setBusy(name);
    setProblem(null);
    await api(`/feeds/${encodeURIComponent(name)}/refresh`, { method: "POST" }).catch(fail);
    setBusy(null);
    load();
  };
  const setReliability = async (name: string, reliability: string) => {
    setProblem(null);
    setNotice(null);
    try {
      await api(`/feeds/${encodeURIComponent(name)}`, { method: "PATCH", body: { reliability } });
      setNotice(intl.formatMessage({ id: "feeds.reliability.saved" }, { name, reliability }));
    } catch (error) {
      fail(error);
    }
    load();
  };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      await api("/feeds", {
        method: "POST",
        body: {
          name: draft.name,
          format: draft.format,
          source: draft.source,
          intervalSeconds: Number(draft.interval),
          reliability: draft.reliability,
        },
      });
      setDraft({ ...draft, name: "", source: "" });
      load();
    } catch (error) {
      fail(error);
    }
  };
  if (!feeds) return <Loading />;
  return (
    <div>
      <h1>
        <FormattedMessage id="feeds.title" />
      </h1>
      <ProblemLine text={problem} className="error-text" />
      <NoticeLine text={notice} />
      {feeds.length === 0 ? (
        <MutedNote message="feeds.empty" />
      ) : (
        <table className="runs feeds">
          <ColumnHeads
            columns={[
              "feeds.col.name",
              "feeds.col.format",
              { message: "feeds.col.reliability", hint: intl.formatMessage({ id: "feeds.reliability.hint" }) },
              "feeds.col.source",
              "feeds.col.indicators",
              "feeds.col.refreshed",
              "feeds.col.error",
              null,
            ]}
          />
          <tbody>
            {feeds.map((feed) => (
              <tr key={feed.name} data-feed={feed.name} className={feed.error ? "failed-run" : ""}>
                <td>{feed.name}</td>
                <td>{feed.format}</td>
                <td className="reliability" data-reliability={feed.reliability ?? DEFAULT_RELIABILITY}>
                  {user.role === "admin" ? (
                    <select
                      aria-label={intl.formatMessage({ id: "feeds.reliability.of" }, { name: feed.name })}
                      title={intl.formatMessage({ id: "feeds.reliability.hint" })}
                      value={feed.reliability ?? DEFAULT_RELIABILITY}
                      onChange={(e) => void setReliability(feed.name, e.target.value)}
                    >
                      <ReliabilityOptions />
                    </select>
                  ) : (
                    <span
                      title={intl.formatMessage({
                        id: `feeds.reliability.${feed.reliability ?? DEFAULT_RELIABILITY}` as MessageId,
                        defaultMessage: feed.reliability ?? DEFAULT_RELIABILITY,
                      })}
                    >
                      {feed.reliability ?? DEFAULT_RELIABILITY}
                    </span>
                  )}
                </td>
                <td>
                  <code>{feed.source}</code>
                </td>
                <td>{intl.formatNumber(feed.indicators)}</td>
                <td>{feed.refreshedAt ? <When time={feed.refreshedAt} /> : <FormattedMessage id="feeds.never" />}</td>
                <td className="error-text">
                  {feed.error ?? ""}
                  {feed.error && feed.errorAt ? (
                    <>
                      {" "}
                      (<When time={feed.errorAt} />)
                    </>
                  ) : null}
                </td>
                <td>
                  <button type="button" className="small" disabled={busy !== null} onClick={() => void refresh(feed.name)}>
                    <FormattedMessage id={busy === feed.name ? "feeds.refreshing" : "feeds.refresh"} />
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted" data-testid="reliability-hint">
        <FormattedMessage id="feeds.reliability.hint" />
      </p>
      {user.role === "admin" && (
        <form className="feed-form" onSubmit={(event) => void add(event)}>
          <h2>
            <FormattedMessage id="feeds.add" />
          </h2>
          <label>
            <FormattedMessage id="feeds.name" />{" "}
            <input required maxLength={100} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          </label>
          <label>
            <FormattedMessage id="feeds.format" />{" "}
            <select value={draft.format} onChange={(e) => setDraft({ ...draft, format: e.target.value })}>
              {FEED_FORMAT_TABLE.map((row) => (
                <option key={row.name} value={row.name} title={row.description}>
                  {row.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <FormattedMessage id="feeds.source" />{" "}
            <input required maxLength={4000} value={draft.source} onChange={(e) => setDraft({ ...draft, source: e.target.value })} />
          </label>
          <label title={intl.formatMessage({ id: "feeds.reliability.hint" })}>
            <FormattedMessage id="feeds.reliability" />{" "}
            <select value={draft.reliability} onChange={(e) => setDraft({ ...draft, reliability: e.target.value })}>
              <ReliabilityOptions />
            </select>
          </label>
          <label>
            <FormattedMessage id="feeds.interval" />{" "}
            <input
              type="number"
              min={60}
              max={604800}
              value={draft.interval}
              onChange={(e) => setDraft({ ...draft, interval: e.target.value })}
            />
          </label>
          <button type="submit">
            <FormattedMessage id="feeds.save" />
          </button>
        </form>
      )}
    </div>
  );
}
