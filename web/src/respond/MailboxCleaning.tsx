// The case view's panel for cleaning staff mailboxes: the copies the last Search Mailboxes found (mailbox,
// folder, read or not), Purge and Restore for admins (running the email integration's actions), and the
// recorded moves (GET /api/cases/:id/mailbox-moves).
import { useCallback, useEffect, useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, ApiError } from "../api.js";
import { When } from "../format.js";
import type { ActionOutcome, ActionRun } from "./api.js";
import { ColumnHeads, MutedNote } from "../blocks.js";

const INTEGRATION = "Email Connector";

interface FoundCopy {
  mailbox: string;
  folder: string;
  messageId: string;
  uid: number;
  seen: boolean;
  matchedBy?: string;
}
interface Failure {
  mailbox: string;
  code: string;
  message: string;
}
interface SearchResult {
  found: number;
  messages: FoundCopy[];
  failures: Failure[];
  configured?: boolean;
  reason?: string;
}
interface MailboxMove {
  id: number;
  mailbox: string;
  folder: string;
  uid: number;
  messageId: string;
  quarantineFolder: string;
  quarantineUid: number | null;
  status: string;
  actionRunId: number | null;
  restoreActionRunId: number | null;
  detail: string | null;
  createdAt: number;
  movedAt: number | null;
  restoredAt: number | null;
}

export function MailboxCleaning({ caseId, admin }: { caseId: number; admin: boolean }) {
  const intl = useIntl();
  const [search, setSearch] = useState<{ run: ActionRun; result: SearchResult } | null>(null);
  const [moves, setMoves] = useState<MailboxMove[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const load = useCallback(async () => {
    const [{ actionRuns }, { moves: recorded }] = await Promise.all([
      api<{ actionRuns: ActionRun[] }>(`/cases/${caseId}/actions`),
      api<{ moves: MailboxMove[] }>(`/cases/${caseId}/mailbox-moves`),
    ]);
    const last = actionRuns.find(
      (run) => run.integration === INTEGRATION && run.action === "Search Mailboxes" && run.status === "completed" && run.json,
    );
    setSearch(last ? { run: last, result: last.json as SearchResult } : null);
    setMoves(recorded);
  }, [caseId]);
  useEffect(() => {
    void load().catch(() => undefined);
  }, [load]);

  const run = async (action: string) => {
    setBusy(action);
    setOutcome(null);
    try {
      const answer = await api<ActionOutcome>(`/cases/${caseId}/actions`, { method: "POST", body: { integration: INTEGRATION, action } });
      setOutcome({
        ok: answer.status === "completed",
        text: answer.error ? `${answer.error.code}: ${answer.error.message}` : answer.message,
      });
      // Purge and Restore change what a search finds: search again.
      if (action !== "Search Mailboxes" && answer.status === "completed")
        await api<ActionOutcome>(`/cases/${caseId}/actions`, {
          method: "POST",
          body: { integration: INTEGRATION, action: "Search Mailboxes" },
        });
      await load();
    } catch (error) {
      setOutcome({ ok: false, text: error instanceof ApiError ? `${error.code}: ${error.message}` : String(error) });
    } finally {
      setBusy(null);
    }
  };

  const result = search?.result;
  const copies = result?.messages ?? [];
  const quarantined = moves.filter((move) => move.status === "quarantined").length;
  const restored = moves.filter((move) => move.status === "restored").length;
  return (
    <section className="card mailbox-cleaning" aria-labelledby="clean-title">
      <h2 id="clean-title">
        <FormattedMessage id="clean.title" />
      </h2>
      <MutedNote message="clean.intro" />
      <div className="row">
        <button type="button" onClick={() => void run("Search Mailboxes")} disabled={busy !== null}>
          <FormattedMessage id="clean.search" />
        </button>
        {admin && (
          <button type="button" className="danger" onClick={() => void run("Purge Email")} disabled={busy !== null}>
            <FormattedMessage id="clean.purge" />
          </button>
        )}
        {admin && (
          <button type="button" onClick={() => void run("Restore Email")} disabled={busy !== null || quarantined === 0}>
            <FormattedMessage id="clean.restore" />
          </button>
        )}
        {busy && (
          <span className="muted" role="status">
            <FormattedMessage id="clean.running" />
          </span>
        )}
      </div>
      {!admin && (
        <p className="muted" role="note">
          <FormattedMessage id="clean.adminOnly" />
        </p>
      )}
      {outcome && (
        <p className={outcome.ok ? "notice" : "error"} role={outcome.ok ? "status" : "alert"}>
          {outcome.text}
        </p>
      )}
      {!result ? (
        <MutedNote message="clean.notSearched" />
      ) : (
        <>
          <p>
            {result.configured === false ? (
              result.reason
            ) : (
              <FormattedMessage
                id="clean.found"
                values={{ count: result.found, mailboxes: new Set(copies.map((copy) => copy.mailbox)).size }}
              />
            )}
            {" · "}
            <FormattedMessage id="clean.searchedAt" /> <When time={search!.run.startedAt} />
          </p>
          {copies.length > 0 && (
            <table className="clean-copies">
              <ColumnHeads columns={["clean.col.mailbox", "clean.col.folder", "clean.col.read", "clean.col.matched"]} />
              <tbody>
                {copies.map((copy) => (
                  <tr key={`${copy.mailbox}/${copy.folder}/${copy.uid}`}>
                    <td className="mono">{copy.mailbox}</td>
                    <td>{copy.folder}</td>
                    <td>
                      {copy.seen ? (
                        <FormattedMessage id="clean.read" />
                      ) : (
                        <strong>
                          <FormattedMessage id="clean.unread" />
                        </strong>
                      )}
                    </td>
                    <td>
                      {copy.matchedBy ? intl.formatMessage({ id: `clean.matched.${copy.matchedBy}` as "clean.matched.message-id" }) : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {result.failures.length > 0 && (
            <>
              <h3>
                <FormattedMessage id="clean.failures" />
              </h3>
              <ul className="clean-failures">
                {result.failures.map((failure) => (
                  <li key={failure.mailbox}>
                    <span className="mono">{failure.mailbox}</span>: {failure.code}: {failure.message}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <h3>
        <FormattedMessage id="clean.audit" />
      </h3>
      {moves.length === 0 ? (
        <MutedNote message="clean.noMoves" />
      ) : (
        <>
          <p>
            <FormattedMessage id="clean.summary" values={{ quarantined, restored }} />
          </p>
          <table className="clean-moves">
            <ColumnHeads
              columns={[
                "clean.col.mailbox",
                "clean.col.folder",
                "clean.col.uid",
                "clean.col.quarantineUid",
                { text: "Message-ID" },
                "clean.col.state",
                "clean.col.when",
                "clean.col.run",
              ]}
            />
            <tbody>
              {moves.map((move) => (
                <tr key={move.id} title={move.detail ?? undefined}>
                  <td className="mono">{move.mailbox}</td>
                  <td>{move.folder}</td>
                  <td>{move.uid}</td>
                  <td>{move.quarantineUid ?? ""}</td>
                  <td className="mono">{move.messageId}</td>
                  <td>{intl.formatMessage({ id: `clean.state.${move.status}` as "clean.state.moving" })}</td>
                  <td>
                    <When time={move.restoredAt ?? move.movedAt ?? move.createdAt} />
                  </td>
                  <td>
                    {[move.actionRunId, move.restoreActionRunId]
                      .filter((id) => id !== null)
                      .map((id) => `#${id}`)
                      .join(" → ")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
