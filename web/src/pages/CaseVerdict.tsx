// The case's verdict on the case view: value, score, reasons (plain text, indicators already defanged by
// triage, nothing clickable) with their weights and evidence when the verdict carries it, who set it and
// when, the verdicts set before, and an analyst's override.
import { useState, type FormEvent } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, type ApiError, type VerdictEvidence, type VerdictView } from "../api.js";
import { defang, VerdictBadge, VerdictOptions, When } from "../format.js";
import type { MessageId } from "../messages.js";
import { Link } from "../router.js";
import { SOURCE_RELIABILITIES } from "../../../src/sdk/vocabulary.js";
import { ColumnHeads, MutedNote, ProblemLine } from "../blocks.js";

/** Signed points with a true minus sign: "+60", "−20", "0". */
export function signedPoints(weight: number): string {
  const points = Math.round(weight);
  return points > 0 ? `+${points}` : points < 0 ? `\u2212${-points}` : "0";
}

/** Triage defangs indicators before storing them; one that arrives without a "[.]" is defanged here, never shown live. */
function defanged(value: string): string {
  return value.includes("[.]") ? value : defang(value);
}

const RELIABILITIES = new Set<string>(SOURCE_RELIABILITIES);

const GROUNDS = new Set(["analyst", "feed", "machine"]);

/** "analyst alice" / "feed URLhaus" (or the grounds alone, "analyst") in the reader's language; anything else as it came. */
function DecidedBy({ text }: { text: string }) {
  if (GROUNDS.has(text)) return <FormattedMessage id={`evidence.grounds.${text}` as MessageId} />;
  const space = text.indexOf(" ");
  const grounds = space > 0 ? text.slice(0, space) : "";
  if (GROUNDS.has(grounds)) {
    return <FormattedMessage id={`evidence.decidedBy.${grounds}`} values={{ name: text.slice(space + 1) }} />;
  }
  return <>{text}</>;
}

function EvidenceDetail({ item }: { item: VerdictEvidence }) {
  const intl = useIntl();
  const parts: React.ReactNode[] = [];
  if (item.indicator)
    parts.push(
      <code key="indicator" className="indicator">
        {defanged(item.indicator)}
      </code>,
    );
  if (item.feed) {
    const reliability = item.reliability && RELIABILITIES.has(item.reliability) ? item.reliability : null;
    parts.push(
      <span
        key="feed"
        className="evidence-feed"
        title={reliability ? intl.formatMessage({ id: `feeds.reliability.${reliability}` as MessageId }) : undefined}
      >
        {item.feed}
        {reliability ? ` · ${reliability}` : ""}
      </span>,
    );
  }
  if (item.caseId !== undefined && Number.isInteger(item.caseId) && item.caseId > 0) {
    parts.push(
      <span key="case" className="evidence-case">
        <Link to={`/cases/${item.caseId}`}>
          <FormattedMessage id="evidence.case" values={{ id: item.caseId }} />
        </Link>
        {item.decidedBy ? (
          <>
            {" "}
            · <DecidedBy text={item.decidedBy} />
          </>
        ) : null}
      </span>,
    );
  } else if (item.decidedBy)
    parts.push(
      <span key="decided">
        <DecidedBy text={item.decidedBy} />
      </span>,
    );
  return (
    <>
      {parts.map((part, index) => (
        <span key={index} className="evidence-part">
          {part}
        </span>
      ))}
    </>
  );
}

/** Each reason with its weight and what it rests on; reasons without an item of evidence are listed after. */
function EvidenceTable({ evidence, reasons }: { evidence: VerdictEvidence[]; reasons: string[] }) {
  const covered = new Set(evidence.map((item) => item.reason));
  const rest = reasons.filter((reason) => !covered.has(reason));
  // verdict-reasons: every reason's text is inside, with or without evidence (what tests and readers look for).
  return (
    <div data-testid="verdict-reasons">
      {/* The panel sits in the narrow side column: two columns, the evidence under its reason. */}
      <table className="evidence" data-testid="verdict-evidence">
        <ColumnHeads columns={["evidence.weight", "evidence.reason"]} />
        <tbody>
          {evidence.map((item, index) => (
            <tr key={index} data-kind={item.kind} className={item.weight > 0 ? "weighs-malicious" : item.weight < 0 ? "weighs-benign" : ""}>
              <td className="weight" data-testid="evidence-weight">
                {signedPoints(item.weight)}
              </td>
              <td>
                <div className="reason">{item.reason}</div>
                <div className="evidence-detail">
                  <span className="evidence-kind">
                    <FormattedMessage id={`evidence.kind.${item.kind}` as MessageId} defaultMessage={item.kind} />
                  </span>
                  <EvidenceDetail item={item} />
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rest.length > 0 && (
        <ul className="reasons" data-testid="verdict-other-reasons">
          {rest.map((text, index) => (
            <li key={index}>{text}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function CaseVerdict({ caseId, view, onChange }: { caseId: number; view: VerdictView; onChange: (view: VerdictView) => void }) {
  const intl = useIntl();
  const [value, setValue] = useState<string>(view.verdictInfo?.value ?? "malicious");
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  const verdict = view.verdictInfo;

  const override = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) {
      setError(intl.formatMessage({ id: "verdict.reasonRequired" }));
      return;
    }
    try {
      onChange(await api<VerdictView>(`/cases/${caseId}/verdict`, { method: "POST", body: { value, reason: reason.trim() } }));
      setReason("");
      setError("");
    } catch (e) {
      const err = e as ApiError;
      setError(`${err.code}: ${err.message}`);
    }
  };

  return (
    <section className="card" data-testid="case-verdict">
      <h2>
        <FormattedMessage id="verdict.title" />
      </h2>
      {verdict ? (
        <>
          <p>
            <VerdictBadge value={verdict.value} />
            {verdict.score !== null && (
              <>
                {" "}
                <FormattedMessage id="verdict.score" values={{ score: verdict.score }} />
              </>
            )}
          </p>
          <p className="muted">
            <FormattedMessage id={verdict.overridden ? "verdict.overriddenBy" : "verdict.setBy"} values={{ who: verdict.setBy }} />{" "}
            <When time={verdict.setAt} />
          </p>
          <h3>
            <FormattedMessage id="verdict.reasons" />
          </h3>
          {verdict.evidence?.length ? (
            <EvidenceTable evidence={verdict.evidence} reasons={verdict.reasons} />
          ) : (
            <ul className="reasons" data-testid="verdict-reasons">
              {verdict.reasons.map((text, index) => (
                <li key={index}>{text}</li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <MutedNote message="verdict.none" />
      )}
      <form onSubmit={override} className="stack" aria-label={intl.formatMessage({ id: "verdict.override" })}>
        <label>
          <FormattedMessage id="verdict.value" />
          <select name="verdict" value={value} onChange={(e) => setValue(e.target.value)}>
            <VerdictOptions />
          </select>
        </label>
        <label>
          <FormattedMessage id="verdict.reason" />
          <input name="verdictReason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
        </label>
        <ProblemLine text={error} />
        <button type="submit">
          <FormattedMessage id="verdict.override" />
        </button>
      </form>
      {view.verdictHistory.length > 0 && (
        <details>
          <summary>
            <FormattedMessage id="verdict.history" />
          </summary>
          <ul>
            {view.verdictHistory.map((entry, index) => (
              <li key={index}>
                <When time={entry.createdAt} /> {entry.setBy}: <VerdictBadge value={entry.value} />
                {entry.comment ? ` — ${entry.comment}` : ""}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
