// One file of code in the IDE: the toolbar (Save, Play), the editor with the server's problems on their
// lines, and a side column (the problems, then what the caller adds, e.g. Play's parameters).
import { useEffect, useState, type ReactNode } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import type { Completion } from "@codemirror/autocomplete";
import { api } from "../api.js";
import { CodeEditor } from "./CodeEditor.js";
import { ErrorLine } from "./forms.js";
import { useCodeFile } from "./useCodeFile.js";
import type { Diagnostic } from "./api.js";
import { Loading, MutedNote } from "../blocks.js";

/** The SDK's names for completion; none if they cannot be had. */
function useSdkCompletions(): Completion[] | null {
  const [completions, setCompletions] = useState<Completion[] | null>(null);
  useEffect(() => {
    void api<{ completions: Completion[] }>("/ide/sdk").then(
      (r) => setCompletions(r.completions),
      () => setCompletions([]),
    );
  }, []);
  return completions;
}

function Problems({ diagnostics }: { diagnostics: Diagnostic[] }) {
  return (
    <div className="card problems" data-testid="problems">
      <h3>
        <FormattedMessage id="ide.problems" values={{ count: diagnostics.length }} />
      </h3>
      {diagnostics.length === 0 ? (
        <MutedNote message="ide.noProblems" />
      ) : (
        <ul>
          {diagnostics.map((d, i) => (
            <li key={i} className="error">
              <code>
                {d.file ?? ""}
                {d.line !== null ? `:${d.line}:${d.column ?? 1}` : ""}
              </code>{" "}
              {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * codePath: the API path whose /code holds the code; file: its path in the package (problems of other files
 * are listed but not marked); onPlay: plays the given code, rejecting with the server's error.
 */
export function CodePanel({
  codePath,
  file,
  onSaved,
  onPlay,
  aside,
}: {
  codePath: string;
  file: string;
  onSaved: () => void;
  onPlay: (code: string) => Promise<void>;
  aside?: ReactNode;
}) {
  const intl = useIntl();
  const completions = useSdkCompletions();
  const source = useCodeFile(codePath);
  const idle = source.busy === null && source.loaded !== null;
  const save = async () => {
    if (await source.save()) onSaved();
  };
  return (
    <>
      <div className="toolbar meta">
        <button type="button" className="primary" disabled={!idle} onClick={() => void save()}>
          <FormattedMessage id="ide.save" />
        </button>
        <button type="button" disabled={!idle} onClick={() => void source.play(onPlay)}>
          ▶ <FormattedMessage id="ide.play" />
        </button>
        <span className="muted">{file}</span>
        {source.code !== source.saved && (
          <span className="badge">
            <FormattedMessage id="ide.unsaved" />
          </span>
        )}
        {source.busy && (
          <span className="muted">
            <FormattedMessage id={source.busy === "save" ? "ide.saving" : "ide.playing"} />
          </span>
        )}
        {source.savedVersion !== null && (
          <span className="ok" role="status">
            <FormattedMessage id="ide.saved" values={{ version: source.savedVersion }} />
          </span>
        )}
      </div>
      <ErrorLine error={source.error} />
      <div className="ide-columns">
        <div>
          {source.loaded !== null && completions !== null ? (
            <CodeEditor
              initial={source.loaded}
              onChange={source.edit}
              diagnostics={source.diagnostics.filter((d) => d.file === file)}
              completions={completions}
              label={intl.formatMessage({ id: "ide.editorLabel" }, { file })}
            />
          ) : (
            <Loading />
          )}
        </div>
        <aside>
          <Problems diagnostics={source.diagnostics} />
          {aside}
        </aside>
      </div>
    </>
  );
}
