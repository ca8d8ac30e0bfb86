// The IDE page of an action or a job: the code with its problems, Play (an action on a case picked here, shown as
// its outcome; a job once in test mode), the versions with their diff, and the definition.
import { useReducer, useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api } from "../api.js";
import { ActionOutcomeView } from "../respond/ActionOutcomeView.js";
import type { ActionOutcome } from "../respond/api.js";
import type { EditableIntegration } from "./api.js";
import { CodeDefinitionForm, type CodeKind } from "./CodeDefinitionForm.js";
import { CodePanel } from "./CodePanel.js";
import { filledValues, ParameterValuesForm, type ParameterValues } from "./ParameterValues.js";
import { VersionHistory } from "./VersionHistory.js";
import { DefinitionEditor } from "./forms.js";

interface JobOutcome {
  status: string;
  logs: { level: string; message: string }[];
  error?: { code: string; message: string };
  startedAt: number;
  finishedAt: number;
}

function JobOutcomeView({ outcome }: { outcome: JobOutcome }) {
  return (
    <div className="card play-output" data-testid="play-output">
      <p className={outcome.status === "succeeded" ? "ok" : "error"}>
        <FormattedMessage id="ide.jobPlayed" values={{ status: outcome.status, ms: outcome.finishedAt - outcome.startedAt }} />
      </p>
      {outcome.error && (
        <p className="error">
          {outcome.error.code}: {outcome.error.message}
        </p>
      )}
      <pre className="logs" data-testid="play-logs">
        {outcome.logs.map((l) => `${l.level.toUpperCase()} ${l.message}`).join("\n")}
      </pre>
    </div>
  );
}

export function CodeIde({
  integration,
  kind,
  fileBase,
  reload,
}: {
  integration: EditableIntegration;
  kind: CodeKind;
  fileBase: string;
  reload: () => void;
}) {
  const intl = useIntl();
  const codePath = `/ide/integrations/${encodeURIComponent(integration.slug)}/${kind}/${encodeURIComponent(fileBase)}`;
  const definition = (kind === "actions" ? integration.actions : integration.jobs).find((d) => d.fileBase === fileBase);
  const [values, setValues] = useState<ParameterValues>({});
  const [caseId, setCaseId] = useState("");
  const [actionOutcome, setActionOutcome] = useState<ActionOutcome | null>(null);
  const [jobOutcome, setJobOutcome] = useState<JobOutcome | null>(null);
  const [saves, countSave] = useReducer((count: number) => count + 1, 0);
  if (!definition)
    return (
      <p className="error">
        <FormattedMessage id="ide.noSuchCode" values={{ file: `${kind}/${fileBase}.ts` }} />
      </p>
    );
  // Play runs the code in the editor, saved or not, as the platform runs it: an action on the case picked here.
  const play = async (code: string) => {
    setActionOutcome(null);
    setJobOutcome(null);
    if (kind === "actions") {
      setActionOutcome(
        await api<ActionOutcome>(`${codePath}/play`, {
          method: "POST",
          body: { code, caseId: Number(caseId), params: filledValues(values) },
        }),
      );
    } else {
      setJobOutcome(await api<JobOutcome>(`${codePath}/play`, { method: "POST", body: { code } }));
    }
  };
  return (
    <section className="ide">
      <h1>
        {integration.name} · {definition.name}
      </h1>
      <CodePanel
        codePath={codePath}
        file={`${kind}/${fileBase}.ts`}
        onSaved={countSave}
        onPlay={play}
        aside={
          <div className="card">
            <h3>
              <FormattedMessage id="ide.playParameters" />
            </h3>
            <p className="muted">
              <FormattedMessage id={kind === "actions" ? "ide.playAction" : "ide.playJob"} />
            </p>
            {kind === "actions" && (
              <label className="stack">
                <FormattedMessage id="ide.playCase" />
                <input
                  id="play-case"
                  type="number"
                  min={1}
                  value={caseId}
                  placeholder={intl.formatMessage({ id: "ide.playCaseHint" })}
                  onChange={(e) => setCaseId(e.target.value)}
                />
              </label>
            )}
            {kind === "actions" && (
              <ParameterValuesForm parameters={definition.parameters} values={values} onChange={setValues} idPrefix="play" />
            )}
          </div>
        }
      />
      {actionOutcome && (
        <div className="card play-output" data-testid="play-output">
          <ActionOutcomeView outcome={actionOutcome} />
        </div>
      )}
      {jobOutcome && <JobOutcomeView outcome={jobOutcome} />}
      <VersionHistory codePath={codePath} refresh={saves} />
      <DefinitionEditor
        onSaved={() => {
          reload();
          countSave();
        }}
        form={(onSaved) => <CodeDefinitionForm slug={integration.slug} kind={kind} existing={definition} onSaved={onSaved} />}
      />
    </section>
  );
}
