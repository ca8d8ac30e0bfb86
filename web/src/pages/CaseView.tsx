// One case: the alert and its events as field tables, indicators defanged, headers, files, .eml, and the work on it.
import { useEffect, useState, type FormEvent } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, type ApiError, type CaseDetail, type Timeline } from "../api.js";
import { CopyButton, defang, fieldText, PriorityBadge, PriorityOptions, StatusBadge, StatusOptions, When } from "../format.js";
import { Link, navigate } from "../router.js";
import { HistoryText, IndicatorTable, LinkedCases, MergeForm, ReportsTable } from "./CaseGrouping.js";
import { CaseRespond } from "../respond/CaseRespond.js";
import { MailboxCleaning } from "../respond/MailboxCleaning.js";
import { CaseVerdict } from "./CaseVerdict.js";
import { ColumnHeads, Loading, MutedNote, ProblemLine, placeholderLabel } from "../blocks.js";

const HEADER_FIELD = /header/i;
/** Fields holding URLs, domains or addresses: shown defanged. */
const DEFANGED_FIELD = /url|domain|address|username/i;

function FieldTable({ record }: { record: Record<string, unknown> }) {
  return (
    <table className="fields">
      <ColumnHeads columns={["case.field", "case.value"]} />
      <tbody>
        {Object.entries(record).map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td className="mono">{DEFANGED_FIELD.test(key) ? defangDeep(value) : fieldText(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** URL fields of events (found_url, found_urls) are shown defanged as well. */
function defangDeep(value: unknown): string {
  if (typeof value === "string") return value.split(",").map(defang).join(",");
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? defang(v) : fieldText(v))).join("\n");
  return fieldText(value);
}

export function CaseView({ id, admin = false }: { id: number; admin?: boolean }) {
  const intl = useIntl();
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  // Apart: a case that cannot be read replaces the page; a refused change is shown above the case.
  const [loadError, setLoadError] = useState("");
  const [error, setError] = useState("");
  const [status, setStatus] = useState<CaseDetail["status"]>("open");
  const [reason, setReason] = useState("");
  const [comment, setComment] = useState("");
  const [notice, setNotice] = useState<{ text: string; caseId: number } | null>(null);
  // Bumped after a merge or a move: the alerts of the case changed, so it is read again.
  const [version, setVersion] = useState(0);

  useEffect(() => {
    api<CaseDetail>(`/cases/${id}`).then(
      (d) => {
        setDetail(d);
        setStatus(d.status);
      },
      (e: ApiError) => setLoadError(`${e.code}: ${e.message}`),
    );
  }, [id, version]);
  useEffect(() => setNotice(null), [id]);

  if (loadError) return <p className="error">{loadError}</p>;
  if (!detail) return <Loading />;

  /** Posts a change to the case; on a refusal shows why and returns undefined. */
  const post = async <T,>(path: string, body: unknown): Promise<T | undefined> => {
    try {
      const answer = await api<T>(`/cases/${id}/${path}`, { method: "POST", body });
      setError("");
      return answer;
    } catch (e) {
      const err = e as ApiError;
      setError(`${err.code}: ${err.message}`);
      return undefined;
    }
  };
  const apply = async (path: string, body: unknown, update: Partial<CaseDetail>) => {
    const timeline = await post<Timeline>(path, body);
    if (timeline) setDetail((d) => (d ? { ...d, ...update, ...timeline } : d));
  };
  const changeStatus = async (event: FormEvent) => {
    event.preventDefault();
    if (status === "closed" && !reason.trim()) {
      setError(intl.formatMessage({ id: "case.reasonRequired" }));
      return;
    }
    await apply("status", status === "closed" ? { status, reason: reason.trim() } : { status }, {
      status,
      closed_reason: status === "closed" ? reason.trim() : null,
    });
  };
  const addComment = async (event: FormEvent) => {
    event.preventDefault();
    if (!comment.trim()) return;
    await apply("comments", { body: comment }, {});
    setComment("");
  };

  // A merge or a move changes the case's alerts: it is read again.
  const change = async <T,>(path: string, body: unknown): Promise<T | undefined> => {
    const answer = await post<T>(path, body);
    if (answer !== undefined) setVersion((v) => v + 1);
    return answer;
  };
  const merge = async (ids: number[]) => {
    const done = (await change<Timeline>("merge", { cases: ids })) !== undefined;
    if (done) setNotice({ text: intl.formatMessage({ id: "case.merged" }, { cases: ids.map((n) => `#${n}`).join(", ") }), caseId: 0 });
    return done;
  };
  const moveOut = async (alertId: string) => {
    const answer = await change<{ case: number }>("move-out", { alert: alertId });
    if (answer) setNotice({ text: intl.formatMessage({ id: "case.movedOut" }, { case: `#${answer.case}` }), caseId: answer.case });
  };

  const headerRows = detail.alerts.flatMap((a) => a.events.flatMap((e) => Object.entries(e).filter(([k]) => HEADER_FIELD.test(k))));
  const label = (kind: string, value: string) =>
    kind === "priority"
      ? intl.formatMessage({ id: `priority.${value}` as "priority.60", defaultMessage: value })
      : intl.formatMessage({ id: `status.${value}` as "status.open", defaultMessage: value });

  return (
    <div className="case">
      <p>
        <Link to="/cases">
          ← <FormattedMessage id="case.back" />
        </Link>
      </p>
      <h1 className="case-title">
        <span className="muted">
          <FormattedMessage id="case.title" values={{ id }} />
        </span>{" "}
        <span data-testid="case-title">{detail.title}</span>
      </h1>
      <p className="meta">
        <PriorityBadge value={detail.priority} /> <StatusBadge value={detail.status} /> <When time={detail.created_at} />
        {detail.closed_reason && (
          <>
            {" "}
            · <FormattedMessage id="case.closedBecause" values={{ reason: detail.closed_reason }} />
          </>
        )}
      </p>
      <p className="meta" data-testid="case-reports">
        <FormattedMessage id="case.reportCount" values={{ count: detail.alert_count }} />
        {detail.alert_count > 1 && (
          <>
            {" "}
            ·{" "}
            <FormattedMessage
              id="case.seen"
              values={{
                first: intl.formatDate(detail.first_seen, { dateStyle: "medium", timeStyle: "short" }),
                last: intl.formatDate(detail.last_seen, { dateStyle: "medium", timeStyle: "short" }),
              }}
            />
          </>
        )}
      </p>
      <LinkedCases links={detail.links} />
      <ProblemLine text={error} />
      {notice && (
        <p className="notice" role="status">
          {notice.text}
          {notice.caseId > 0 && (
            <>
              {" "}
              <button type="button" className="small" onClick={() => navigate(`/cases/${notice.caseId}`)}>
                <FormattedMessage id="case.open" />
              </button>
            </>
          )}
        </p>
      )}

      <div className="columns">
        <div className="main-column">
          {detail.alerts.length > 1 && (
            <section className="card">
              <h2>
                <FormattedMessage id="case.reports" />
              </h2>
              <ReportsTable alerts={detail.alerts} onMoveOut={(alertId) => void moveOut(alertId)} />
            </section>
          )}
          {detail.alerts.map((alert) => (
            // A campaign case's reports start folded: the list above says who sent each.
            <details key={alert.display_id} className="card alert" open={detail.alerts.length === 1}>
              <summary>
                <h2>
                  <FormattedMessage id="case.alert" />: {alert.name} <small className="muted mono">{alert.display_id}</small>
                </h2>
              </summary>
              <FieldTable
                record={{
                  display_id: alert.display_id,
                  ticket_id: alert.ticket_id,
                  name: alert.name,
                  rule_generator: alert.rule_generator,
                  priority: alert.priority,
                  device_vendor: alert.device_vendor,
                  device_product: alert.device_product,
                  environment: alert.environment,
                  start_time: new Date(alert.start_time).toISOString(),
                  end_time: new Date(alert.end_time).toISOString(),
                  ...alert.extensions,
                }}
              />
              {alert.notes.length > 0 && (
                <>
                  <h3>
                    <FormattedMessage id="case.notes" />
                  </h3>
                  <ul>
                    {alert.notes.map((n, i) => (
                      <li key={i}>{n}</li>
                    ))}
                  </ul>
                </>
              )}
              <h3>
                <FormattedMessage id="case.events" />
              </h3>
              {alert.events.map((event, index) => (
                <details key={index} open={index === 0}>
                  <summary>
                    <FormattedMessage id="case.event" values={{ index: index + 1 }} />
                  </summary>
                  <FieldTable record={event} />
                </details>
              ))}
            </details>
          ))}

          <section className="card">
            <h2>
              <FormattedMessage id="case.indicators" />
            </h2>
            <IndicatorTable alerts={detail.alerts} />
          </section>

          <CaseRespond caseId={id} />
          <MailboxCleaning caseId={id} admin={admin} />

          {headerRows.length > 0 && (
            <section className="card">
              <h2>
                <FormattedMessage id="case.headers" />
              </h2>
              <FieldTable record={Object.fromEntries(headerRows)} />
            </section>
          )}

          <section className="card">
            <h2>
              <FormattedMessage id="case.attachments" />
            </h2>
            {detail.files.length === 0 ? (
              <MutedNote message="common.none" />
            ) : (
              <table>
                <ColumnHeads columns={["case.attachment.name", "case.attachment.type", "case.attachment.size", "case.attachment.sha256"]} />
                <tbody>
                  {detail.files.map((f) => (
                    <tr key={f.id}>
                      <td>{f.file_name}</td>
                      <td>{f.content_type}</td>
                      <td>
                        <FormattedMessage id="case.bytes" values={{ size: f.size }} />
                      </td>
                      <td className="mono hash">
                        {f.sha256} <CopyButton text={f.sha256} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {detail.hasEml ? (
              <p>
                <a href={`/api/cases/${id}/eml`} download>
                  <FormattedMessage id="case.downloadEml" />
                </a>
              </p>
            ) : (
              <MutedNote message="case.noEml" />
            )}
          </section>
        </div>

        <aside className="side-column">
          {/* An override adds to the case's history too: the case is read again. */}
          <CaseVerdict caseId={id} view={detail} onChange={() => setVersion((v) => v + 1)} />
          <section className="card">
            <form onSubmit={changeStatus} className="stack">
              <label>
                <FormattedMessage id="case.status" />
                <select name="status" value={status} onChange={(e) => setStatus(e.target.value as CaseDetail["status"])}>
                  <StatusOptions />
                </select>
              </label>
              {status === "closed" && (
                <label>
                  <FormattedMessage id="case.reason" />
                  <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
                </label>
              )}
              <button type="submit" className="primary">
                <FormattedMessage id="case.apply" />
              </button>
            </form>
            <label className="stack">
              <FormattedMessage id="case.priority" />
              <select
                name="priority"
                value={detail.priority}
                onChange={(e) => void apply("priority", { priority: Number(e.target.value) }, { priority: Number(e.target.value) })}
              >
                <PriorityOptions />
              </select>
            </label>
          </section>

          <section className="card">
            <h2>
              <FormattedMessage id="case.merge.title" />
            </h2>
            <MergeForm caseId={id} onMerge={merge} />
          </section>

          <section className="card">
            <h2>
              <FormattedMessage id="case.comments" />
            </h2>
            <ul className="timeline">
              {detail.comments.map((c) => (
                <li key={c.id}>
                  <p className="comment">{c.body}</p>
                  <small>
                    <FormattedMessage
                      id="case.by"
                      values={{ who: c.user_name, when: intl.formatDate(c.created_at, { dateStyle: "medium", timeStyle: "short" }) }}
                    />
                  </small>
                </li>
              ))}
            </ul>
            <form onSubmit={addComment} className="stack">
              <textarea
                name="comment"
                {...placeholderLabel(intl, "case.commentPlaceholder")}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                maxLength={10000}
              />
              <button type="submit">
                <FormattedMessage id="case.addComment" />
              </button>
            </form>
          </section>

          <section className="card">
            <h2>
              <FormattedMessage id="case.history" />
            </h2>
            <ul className="timeline history">
              {detail.history.map((h) => (
                <li key={h.id}>
                  <HistoryText entry={h} label={label} />
                  {h.reason && <> — {h.reason}</>}
                  <br />
                  <small>
                    <When time={h.created_at} />
                  </small>
                </li>
              ))}
            </ul>
          </section>
        </aside>
      </div>
    </div>
  );
}
