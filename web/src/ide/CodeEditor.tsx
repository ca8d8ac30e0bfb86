// The code editor: CodeMirror 6 with TypeScript highlighting, the SDK's names for completion, and the
// server's compile and type errors as lint diagnostics on their lines. It lives in a shadow root so its
// styles go into a constructed style sheet: the console's policy allows no inline <style>.
import { useEffect, useRef } from "react";
import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  completeFromList,
  completionKeymap,
  type Completion,
} from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { javascript, javascriptLanguage } from "@codemirror/lang-javascript";
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, lintKeymap, setDiagnostics, type Diagnostic as CmDiagnostic } from "@codemirror/lint";
import { EditorState, type Text } from "@codemirror/state";
import { EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import type { Diagnostic } from "./api.js";

const theme = EditorView.theme({
  "&": { height: "520px", border: "1px solid #cbd5e1", borderRadius: "6px", fontSize: "13px", backgroundColor: "#fff" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", overflow: "auto" },
  "&.cm-focused": { outline: "2px solid #2563eb55" },
});

/** A diagnostic at line:column marks the word there (or the rest of the line). */
function toRange(doc: Text, diagnostic: Diagnostic): { from: number; to: number } {
  const lineNo = Math.min(Math.max(diagnostic.line ?? 1, 1), doc.lines);
  const line = doc.line(lineNo);
  const from = Math.min(line.from + Math.max((diagnostic.column ?? 1) - 1, 0), line.to);
  const word = /^[\w$]+|^\S/.exec(line.text.slice(from - line.from));
  const to = word ? from + word[0].length : line.to;
  return to > from ? { from, to } : { from: line.from, to: Math.max(line.to, line.from) };
}

export function CodeEditor({
  initial,
  onChange,
  diagnostics,
  completions,
  label,
}: {
  initial: string;
  onChange: (code: string) => void;
  diagnostics: Diagnostic[];
  completions: Completion[];
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const element = host.current!;
    const root = element.shadowRoot ?? element.attachShadow({ mode: "open" });
    const parent = document.createElement("div");
    root.replaceChildren(parent);
    const editor = new EditorView({
      root,
      parent,
      state: EditorState.create({
        doc: initial,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          history(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          javascript({ typescript: true }),
          javascriptLanguage.data.of({ autocomplete: completeFromList(completions) }),
          autocompletion(),
          syntaxHighlighting(defaultHighlightStyle),
          lintGutter(),
          keymap.of([indentWithTab, ...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
          theme,
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is made once per file; later text comes from the user.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [completions]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const doc = editor.state.doc;
    const marks: CmDiagnostic[] = diagnostics
      .filter((d) => d.line !== null)
      .map((d) => ({ ...toRange(doc, d), severity: "error", message: d.message }));
    editor.dispatch(setDiagnostics(editor.state, marks));
  }, [diagnostics, completions]);

  return <div ref={host} className="code-editor" data-testid="code-editor" />;
}
