// The case's verdict on the case view: value, score, reasons (plain text, indicators already defanged by
// triage, nothing clickable), who set it and when, the verdicts set before, and an analyst's override.
import { useState, type FormEvent } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, ApiError, type VerdictView } from "../api.js";
import { VERDICTS, VerdictBadge, When } from "../format.js";

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
      <h2><FormattedMessage id="verdict.title" /></h2>
      {verdict ? (
        <>
          <p><VerdictBadge value={verdict.value} />
            {verdict.score !== null && <> <FormattedMessage id="verdict.score" values={{ score: verdict.score }} /></>}</p>
          <p className="muted"><FormattedMessage id={verdict.overridden ? "verdict.overriddenBy" : "verdict.setBy"} values={{ who: verdict.setBy }} /> <When time={verdict.setAt} /></p>
          <h3><FormattedMessage id="verdict.reasons" /></h3>
          <ul className="reasons" data-testid="verdict-reasons">{verdict.reasons.map((text, index) => <li key={index}>{text}</li>)}</ul>
        </>
      ) : <p className="muted"><FormattedMessage id="verdict.none" /></p>}
      <form onSubmit={override} className="stack" aria-label={intl.formatMessage({ id: "verdict.override" })}>
        <label><FormattedMessage id="verdict.value" />
          <select name="verdict" value={value} onChange={(e) => setValue(e.target.value)}>
            {VERDICTS.map((v) => <option key={v} value={v}>{intl.formatMessage({ id: `verdict.${v}` })}</option>)}
          </select>
        </label>
        <label><FormattedMessage id="verdict.reason" />
          <input name="verdictReason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit"><FormattedMessage id="verdict.override" /></button>
      </form>
      {view.verdictHistory.length > 0 && (
        <details>
          <summary><FormattedMessage id="verdict.history" /></summary>
          <ul>{view.verdictHistory.map((entry, index) => (
            <li key={index}><When time={entry.createdAt} /> {entry.setBy}: <VerdictBadge value={entry.value} />{entry.comment ? ` — ${entry.comment}` : ""}</li>
          ))}</ul>
        </details>
      )}
    </section>
  );
}
