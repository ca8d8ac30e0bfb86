// The case queue: newest first, filters, keyset pages, new cases shown as they arrive (polling with after=).
import { useCallback, useEffect, useRef, useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, type CaseSummary } from "../api.js";
import { Age, defang, PriorityBadge, PriorityOptions, StatusBadge, StatusOptions, VerdictBadge, VerdictOptions } from "../format.js";
import { Link, navigate, usePath } from "../router.js";
import { ColumnHeads, Loading, MutedNote, placeholderLabel } from "../blocks.js";

const PAGE = 50;

export function CaseQueue() {
  const intl = useIntl();
  const path = usePath();
  const params = new URLSearchParams(path.split("?")[1] ?? "");
  const status = params.get("status") ?? "";
  const priority = params.get("priority") ?? "";
  const verdict = params.get("verdict") ?? "";
  const q = params.get("q") ?? "";
  const [text, setText] = useState(q);
  const [cursors, setCursors] = useState<number[]>([]);
  const [cases, setCases] = useState<CaseSummary[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  const newest = useRef(0);

  const filters = useCallback(() => {
    const query = new URLSearchParams();
    if (status) query.set("status", status);
    if (priority) query.set("priority", priority);
    if (verdict) query.set("verdict", verdict);
    if (q) query.set("q", q);
    return query;
  }, [status, priority, verdict, q]);

  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    const query = filters();
    query.set("limit", String(PAGE));
    if (cursor) query.set("cursor", String(cursor));
    let live = true;
    api<{ cases: CaseSummary[]; nextCursor: number | null }>(`/cases?${query}`).then(
      (page) => {
        if (!live) return;
        setCases(page.cases);
        setNext(page.nextCursor);
        if (!cursor) newest.current = page.cases[0]?.id ?? newest.current;
      },
      () => setCases([]),
    );
    return () => {
      live = false;
    };
  }, [filters, cursor]);

  // Live: on the first page, ask every few seconds for cases newer than the newest shown.
  useEffect(() => {
    if (cursor) return;
    const timer = setInterval(() => {
      const query = filters();
      query.set("after", String(newest.current));
      query.set("limit", String(PAGE));
      void api<{ cases: CaseSummary[] }>(`/cases?${query}`).then(
        (page) => {
          if (!page.cases.length) return;
          newest.current = page.cases[0]!.id;
          setFresh((old) => new Set([...old, ...page.cases.map((c) => c.id)]));
          setCases((old) => [...page.cases, ...(old ?? [])].slice(0, PAGE));
        },
        () => undefined,
      );
    }, 3000);
    return () => clearInterval(timer);
  }, [filters, cursor]);

  const setFilter = (name: string, value: string) => {
    const query = filters();
    if (value) query.set(name, value);
    else query.delete(name);
    setCursors([]);
    navigate(`/cases${query.size ? `?${query}` : ""}`);
  };

  return (
    <div>
      <h1>
        <FormattedMessage id="cases.title" />
      </h1>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter("q", text.trim());
        }}
      >
        <label>
          <FormattedMessage id="cases.filter.status" />
          <select value={status} onChange={(e) => setFilter("status", e.target.value)}>
            <option value="">{intl.formatMessage({ id: "cases.filter.any" })}</option>
            <StatusOptions />
          </select>
        </label>
        <label>
          <FormattedMessage id="cases.filter.priority" />
          <select value={priority} onChange={(e) => setFilter("priority", e.target.value)}>
            <option value="">{intl.formatMessage({ id: "cases.filter.any" })}</option>
            <PriorityOptions />
          </select>
        </label>
        <label>
          <FormattedMessage id="cases.filter.verdict" />
          <select name="verdict" value={verdict} onChange={(e) => setFilter("verdict", e.target.value)}>
            <option value="">{intl.formatMessage({ id: "cases.filter.any" })}</option>
            <VerdictOptions />
            <option value="none">{intl.formatMessage({ id: "verdict.none" })}</option>
          </select>
        </label>
        <input
          type="search"
          {...placeholderLabel(intl, "cases.filter.text")}
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={200}
        />
        <span className="muted live">
          <FormattedMessage id="cases.live" />
        </span>
      </form>
      {cases === null ? (
        <Loading />
      ) : cases.length === 0 ? (
        <MutedNote message="cases.empty" />
      ) : (
        <table className="queue">
          <ColumnHeads
            columns={[
              "cases.col.id",
              "cases.col.priority",
              "cases.col.status",
              "cases.col.verdict",
              "cases.col.title",
              "cases.col.reports",
              "cases.col.sender",
              "cases.col.indicators",
              "cases.col.age",
            ]}
          />
          <tbody>
            {cases.map((c) => (
              <tr key={c.id} className={fresh.has(c.id) ? "fresh" : ""} data-case-id={c.id}>
                <td>{intl.formatNumber(c.id, { useGrouping: false })}</td>
                <td>
                  <PriorityBadge value={c.priority} />
                </td>
                <td>
                  <StatusBadge value={c.status} />
                </td>
                <td data-testid="verdict">{c.verdict ? <VerdictBadge value={c.verdict} /> : null}</td>
                <td className="title">
                  <Link to={`/cases/${c.id}`}>{c.title}</Link>
                </td>
                <td className="count" data-testid="report-count">
                  {intl.formatNumber(c.alert_count)}
                </td>
                <td className="mono">{defang(c.sender)}</td>
                <td>
                  <FormattedMessage id="cases.indicators" values={{ urls: c.urls, total: c.indicators }} />
                </td>
                <td>
                  <Age time={c.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        {cursors.length > 0 && (
          <button type="button" onClick={() => setCursors([])}>
            <FormattedMessage id="cases.first" />
          </button>
        )}
        {next !== null && (
          <button type="button" onClick={() => setCursors((c) => [...c, next])}>
            <FormattedMessage id="cases.next" />
          </button>
        )}
      </div>
    </div>
  );
}
