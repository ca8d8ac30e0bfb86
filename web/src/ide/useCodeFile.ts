// The state of code being edited: loaded from the server, edited, saved as a new version or played, and what
// the server said of the last save or Play (its error and the compiler's diagnostics).
import { useEffect, useReducer } from "react";
import { api, ApiError } from "../api.js";
import type { Diagnostic } from "./api.js";

type Task = "save" | "play";

interface CodeFile {
  /** The code as loaded, null until it is. */
  loaded: string | null;
  code: string;
  /** The code of the last version saved (or loaded): differing from `code` means unsaved changes. */
  saved: string;
  savedVersion: number | null;
  diagnostics: Diagnostic[];
  error: unknown;
  busy: Task | null;
}

type CodeEvent =
  | { type: "loaded"; code: string }
  | { type: "edited"; code: string }
  | { type: "started"; task: Task }
  | { type: "saved"; code: string; version: number }
  | { type: "played" }
  | { type: "failed"; error: unknown };

const NOTHING_LOADED: CodeFile = { loaded: null, code: "", saved: "", savedVersion: null, diagnostics: [], error: null, busy: null };

function diagnosticsOf(error: unknown): Diagnostic[] {
  const data = error instanceof ApiError ? (error.data as { diagnostics?: Diagnostic[] } | undefined) : undefined;
  return data?.diagnostics ?? [];
}

function reduce(state: CodeFile, event: CodeEvent): CodeFile {
  switch (event.type) {
    case "loaded":
      return { ...state, loaded: event.code, code: event.code, saved: event.code };
    case "edited":
      return { ...state, code: event.code };
    // A Play leaves the last save's message up: it is still true.
    case "started":
      return { ...state, busy: event.task, error: null, savedVersion: event.task === "save" ? null : state.savedVersion };
    case "saved":
      return { ...state, busy: null, saved: event.code, savedVersion: event.version, diagnostics: [] };
    case "played":
      return { ...state, busy: null };
    case "failed":
      return { ...state, busy: null, error: event.error, diagnostics: diagnosticsOf(event.error) };
  }
}

/** codePath: the API path whose /code holds the code (GET to load, PUT to save a version). */
export function useCodeFile(codePath: string) {
  const [state, dispatch] = useReducer(reduce, NOTHING_LOADED);
  useEffect(() => {
    void api<{ code: string }>(`${codePath}/code`).then(
      (r) => dispatch({ type: "loaded", code: r.code }),
      (error) => dispatch({ type: "failed", error }),
    );
  }, [codePath]);

  const edit = (code: string) => dispatch({ type: "edited", code });

  /** True when the code was saved as a new version. */
  const save = async (): Promise<boolean> => {
    const code = state.code;
    dispatch({ type: "started", task: "save" });
    try {
      const result = await api<{ version: number }>(`${codePath}/code`, { method: "PUT", body: { code } });
      dispatch({ type: "saved", code, version: result.version });
      return true;
    } catch (error) {
      // The code stays in the editor; the server keeps the working version.
      dispatch({ type: "failed", error });
      return false;
    }
  };

  /** Plays the current (unsaved) code; showing the result is `play`'s part, its failure is shown here. */
  const play = async (playCode: (code: string) => Promise<void>) => {
    dispatch({ type: "started", task: "play" });
    try {
      await playCode(state.code);
      dispatch({ type: "played" });
    } catch (error) {
      dispatch({ type: "failed", error });
    }
  };

  return { ...state, edit, save, play };
}
