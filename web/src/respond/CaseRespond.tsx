// The case's respond side: run an action by hand (picked with its parameter form), the action runs and the
// playbook runs with their steps on the case wall, Approve/Reject on a step waiting for approval.
import { useCallback, useEffect, useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api } from "../api.js";
import { When } from "../format.js";
import { ErrorLine, useSubmission } from "../ide/forms.js";
import { filledValues, ParameterValuesForm, type ParameterValues } from "../ide/ParameterValues.js";
import { ActionOutcomeView } from "./ActionOutcomeView.js";
import { shown, type ActionOutcome, type ActionRun, type PlaybookRun, type RespondIntegration, type StepRun } from "./api.js";
import { MutedNote, placeholderLabel } from "../blocks.js";

/** How often the wall is read again while a playbook run is not finished. */
const POLL_MS = 3000;
const FINISHED = new Set(["completed", "failed", "stopped", "rejected", "cancelled"]);

/** "Integration/Action" references of every action, with its definition. */
export function useActions() {
  const [integrations, setIntegrations] = useState<RespondIntegration[]>([]);
  useEffect(() => {
    void api<{ integrations: RespondIntegration[] }>("/integrations").then(
      (answer) => setIntegrations(answer.integrations),
      () => setIntegrations([]),
    );
  }, []);
  return integrations.flatMap((integration) =>
    integration.actions.map((action) => ({ reference: `${integration.name}/${action.name}`, integration, action })),
  );
}

export function RunActionForm({ caseId, onRan }: { caseId: number; onRan: () => void }) {
  const actions = useActions();
  const [reference, setReference] = useState("");
  const [values, setValues] = useState<ParameterValues>({});
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null);
  const picked = actions.find((a) => a.reference === reference) ?? actions[0];
  const { submit, busy, error } = useSubmission(async () => {
    if (!picked) return;
    setOutcome(null);
    setOutcome(
      await api<ActionOutcome>(`/cases/${caseId}/actions`, {
        method: "POST",
        body: { integration: picked.integration.name, action: picked.action.name, params: filledValues(values) },
      }),
    );
    onRan();
  });
  if (actions.length === 0) return <MutedNote message="respond.noActions" />;
  return (
    <form className="stack run-action" onSubmit={submit}>
      <label className="stack">
        <FormattedMessage id="respond.action" />
        <select
          id="run-action"
          value={picked?.reference}
          onChange={(e) => {
            setReference(e.target.value);
            setValues({});
            setOutcome(null);
          }}
        >
          {actions.map((a) => (
            <option key={a.reference} value={a.reference}>
              {a.reference}
            </option>
          ))}
        </select>
      </label>
      {picked && (
        <p className="muted">
          {picked.action.description}
          {picked.action.entityTypes.length > 0 && (
            <>
              {" "}
              · <FormattedMessage id="respond.runsOn" values={{ types: picked.action.entityTypes.join(", ") }} />
            </>
          )}
        </p>
      )}
      {picked && <ParameterValuesForm parameters={picked.action.parameters} values={values} onChange={setValues} idPrefix="action-param" />}
      <ErrorLine error={error} />
      <div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? <FormattedMessage id="respond.running" /> : <FormattedMessage id="respond.run" />}
        </button>
      </div>
      {outcome && <ActionOutcomeView outcome={outcome} />}
    </form>
  );
}

function ActionRuns({ runs }: { runs: ActionRun[] }) {
  if (runs.length === 0) return <MutedNote message="common.none" />;
  return (
    <ul className="timeline action-runs">
      {runs.map((run) => (
        <li key={run.actionRunId} data-action-run={run.actionRunId}>
          <details>
            <summary>
              <strong>
                {run.integration}/{run.action}
              </strong>{" "}
              <span className={run.status === "completed" ? "ok" : "error"}>{run.status}</span> {shown(run.resultValue)}
            </summary>
            <ActionOutcomeView outcome={run} />
          </details>
          <small>
            <FormattedMessage id="respond.ranBy" values={{ who: run.actor }} /> · <When time={run.startedAt} />
          </small>
        </li>
      ))}
    </ul>
  );
}

/** One reply in the case's outbox, as the API gives it (attempts with the server's answer or the error). */
interface OutboxEntry {
  id: number;
  recipient: string;
  subject: string;
  status: string;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  smtpResponse: string | null;
  sentAt: number | null;
  createdAt: number;
}

/** The case's replies to reporters: to whom, sent or why not yet (all text, from the store; nothing rendered). */
function OutboxEntries({ entries }: { entries: OutboxEntry[] }) {
  if (entries.length === 0) return <MutedNote message="common.none" />;
  return (
    <ul className="timeline outbox">
      {entries.map((entry) => (
        <li key={entry.id} data-outbox={entry.id}>
          <strong>{entry.recipient}</strong>{" "}
          <span className={entry.status === "sent" ? "ok" : entry.status === "given_up" ? "error" : "muted"}>{entry.status}</span>{" "}
          {entry.subject}
          <br />
          <small>
            <FormattedMessage id="respond.outboxAttempts" values={{ attempts: entry.attempts }} />
            {entry.sentAt !== null && (
              <>
                {" "}
                · <When time={entry.sentAt} />
              </>
            )}
            {entry.sentAt === null && entry.nextAttemptAt !== null && (
              <>
                {" "}
                · <FormattedMessage id="respond.outboxNext" /> <When time={entry.nextAttemptAt} />
              </>
            )}
          </small>
          {entry.lastError && entry.status !== "sent" && <p className="error">{entry.lastError}</p>}
          {entry.smtpResponse && (
            <p className="muted">
              <small>{entry.smtpResponse}</small>
            </p>
          )}
        </li>
      ))}
    </ul>
  );
}

function ApprovalForm({ run, step, onDecided }: { run: PlaybookRun; step: StepRun; onDecided: () => void }) {
  const intl = useIntl();
  const [comment, setComment] = useState("");
  const [decision, setDecision] = useState<"approve" | "reject">("approve");
  const { submit, busy, error } = useSubmission(async () => {
    await api(`/playbook-runs/${run.id}/steps/${encodeURIComponent(step.id)}/approval`, {
      method: "POST",
      body: { decision, ...(comment.trim() ? { comment: comment.trim() } : {}) },
    });
    onDecided();
  });
  return (
    <form className="stack approval" onSubmit={submit}>
      {step.approval?.prompt && (
        <p>
          <strong>{step.approval.prompt}</strong>
        </p>
      )}
      {step.approval?.dueAt && (
        <p className="muted">
          <FormattedMessage id="respond.due" /> <When time={step.approval.dueAt} />
        </p>
      )}
      <input {...placeholderLabel(intl, "respond.comment")} value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy} onClick={() => setDecision("approve")}>
          <FormattedMessage id="respond.approve" />
        </button>{" "}
        <button type="submit" className="danger" disabled={busy} onClick={() => setDecision("reject")}>
          <FormattedMessage id="respond.reject" />
        </button>
      </div>
      <ErrorLine error={error} />
    </form>
  );
}

/** A step waiting for the reporter's answer: until when, then whether it came (its text is in the step's JSON result). */
function AnswerWait({ step }: { step: StepRun }) {
  if (step.status === "waiting") {
    const time = step.dueAt ? <When time={step.dueAt} /> : "—";
    return (
      <div data-testid="step-wait" className="muted">
        <FormattedMessage id="respond.waitingAnswer" values={{ time }} />
      </div>
    );
  }
  if (step.status !== "completed") return null;
  const answered = step.resultValue === "answered";
  const text = answered ? String((step.json as { text?: unknown } | null)?.text ?? "") : "";
  return (
    <div data-testid="step-wait" className={answered ? "ok" : "muted"}>
      <FormattedMessage id={answered ? "respond.answered" : "respond.answerTimedOut"} />
      {text && <blockquote className="answer">{text}</blockquote>}
    </div>
  );
}

function StepRow({ run, step, onDecided }: { run: PlaybookRun; step: StepRun; onDecided: () => void }) {
  return (
    <li data-step={step.id}>
      <div>
        <strong>{step.id}</strong> <span className="mono">{step.action}</span>{" "}
        <span className={step.status === "completed" ? "ok" : step.status === "failed" ? "error" : "muted"} data-testid="step-status">
          {step.status}
        </span>
        {step.resultValue !== null && step.resultValue !== undefined && (
          <>
            {" "}
            · <FormattedMessage id="respond.value" values={{ value: shown(step.resultValue) }} />
          </>
        )}
        {step.attempts > 1 && (
          <>
            {" "}
            · <FormattedMessage id="respond.attempts" values={{ count: step.attempts }} />
          </>
        )}
      </div>
      {step.message && <div>{step.message}</div>}
      {step.error && (
        <div className="error">
          {step.error.code}: {step.error.message}
        </div>
      )}
      {step.approval?.decision && (
        <div data-testid="step-approval">
          <FormattedMessage
            id={step.approval.decision === "approve" ? "respond.approvedBy" : "respond.rejectedBy"}
            values={{ who: step.approval.by ?? "—" }}
          />
          {step.approval.at && (
            <>
              {" "}
              · <When time={step.approval.at} />
            </>
          )}
          {step.approval.comment && <> — {step.approval.comment}</>}
        </div>
      )}
      {step.status === "waiting_approval" && <ApprovalForm run={run} step={step} onDecided={onDecided} />}
      {step.kind === "waitForAnswer" && <AnswerWait step={step} />}
      {(step.inputs || step.json !== null || step.logs.length > 0) && (
        <details>
          <summary>
            <FormattedMessage id="respond.details" />
          </summary>
          {step.inputs && (
            <table className="fields">
              <tbody>
                {Object.entries(step.inputs).map(([name, value]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td className="mono">{value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {step.json !== null && step.json !== undefined && <pre className="package">{JSON.stringify(step.json, null, 2)}</pre>}
          {step.logs.length > 0 && <pre className="logs">{step.logs.map((l) => `${l.level.toUpperCase()} ${l.message}`).join("\n")}</pre>}
        </details>
      )}
      <small>
        {step.startedAt && <When time={step.startedAt} />}
        {step.finishedAt && (
          <>
            {" "}
            → <When time={step.finishedAt} />
          </>
        )}
      </small>
    </li>
  );
}

function PlaybookRuns({ runs, onDecided }: { runs: PlaybookRun[]; onDecided: () => void }) {
  if (runs.length === 0) return <MutedNote message="common.none" />;
  return (
    <div className="stack playbook-runs">
      {runs.map((run) => (
        <div key={run.id} data-playbook-run={run.id}>
          <p>
            <strong>{run.playbook}</strong>{" "}
            <span data-testid="run-status" className={run.status === "completed" ? "ok" : run.status === "failed" ? "error" : "muted"}>
              {run.status}
            </span>{" "}
            <small>
              <When time={run.startedAt} />
            </small>
          </p>
          {run.error && <p className="error">{run.error}</p>}
          <ol className="timeline steps">
            {run.steps.map((step) => (
              <StepRow key={step.id} run={run} step={step} onDecided={onDecided} />
            ))}
          </ol>
        </div>
      ))}
    </div>
  );
}

/** The case wall's respond sections, read again after a change and while a playbook run goes on. */
export function CaseRespond({ caseId }: { caseId: number }) {
  const [actionRuns, setActionRuns] = useState<ActionRun[]>([]);
  const [playbookRuns, setPlaybookRuns] = useState<PlaybookRun[]>([]);
  const [outbox, setOutbox] = useState<OutboxEntry[]>([]);
  const reload = useCallback(() => {
    void api<{ outbox: OutboxEntry[] }>(`/cases/${caseId}/outbox`).then(
      (answer) => setOutbox(answer.outbox),
      () => undefined,
    );
    void api<{ actionRuns: ActionRun[] }>(`/cases/${caseId}/actions`).then(
      (answer) => setActionRuns(answer.actionRuns),
      () => undefined,
    );
    void api<PlaybookRun[]>(`/cases/${caseId}/playbook-runs`).then(setPlaybookRuns, () => undefined);
  }, [caseId]);
  useEffect(reload, [reload]);
  const ongoing = playbookRuns.some((run) => !FINISHED.has(run.status));
  useEffect(() => {
    if (!ongoing) return;
    const timer = setInterval(reload, POLL_MS);
    return () => clearInterval(timer);
  }, [ongoing, reload]);
  return (
    <>
      <section className="card" data-testid="playbook-runs">
        <h2>
          <FormattedMessage id="respond.playbookRuns" />
        </h2>
        <PlaybookRuns runs={playbookRuns} onDecided={reload} />
      </section>
      <section className="card" data-testid="case-outbox">
        <h2>
          <FormattedMessage id="respond.outbox" />
        </h2>
        <OutboxEntries entries={outbox} />
      </section>
      <section className="card" data-testid="run-action">
        <h2>
          <FormattedMessage id="respond.runAction" />
        </h2>
        <RunActionForm caseId={caseId} onRan={reload} />
      </section>
      <section className="card" data-testid="action-runs">
        <h2>
          <FormattedMessage id="respond.actionRuns" />
        </h2>
        <ActionRuns runs={actionRuns} />
      </section>
    </>
  );
}
