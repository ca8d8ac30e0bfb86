// The saved versions of a piece of code, newest first as the server lists them; opening one shows its diff
// from the version before.
import { useEffect, useMemo, useState } from "react";
import { FormattedMessage } from "react-intl";
import { diffLines } from "diff";
import { api } from "../api.js";
import { When } from "../format.js";
import type { CodeVersion, VersionCode } from "./api.js";
import { MutedNote } from "../blocks.js";

/** Past this, the diff is not computed in the browser. */
const MAX_DIFF_CHARS = 200_000;

function Diff({ before, after }: { before: string; after: string }) {
  const parts = useMemo(() => (before.length + after.length > MAX_DIFF_CHARS ? null : diffLines(before, after)), [before, after]);
  if (!parts) return <MutedNote message="ide.diffTooLarge" />;
  return (
    <pre className="diff" data-testid="diff">
      {parts.flatMap((part, i) =>
        part.value
          .replace(/\n$/, "")
          .split("\n")
          .map((line, k) => (
            <div key={`${i}-${k}`} className={part.added ? "added" : part.removed ? "removed" : "same"}>
              {part.added ? "+ " : part.removed ? "- " : "  "}
              {line}
            </div>
          )),
      )}
    </pre>
  );
}

/** codePath: the API path whose /versions lists the code's versions; a new `refresh` lists them again. */
export function VersionHistory({ codePath, refresh }: { codePath: string; refresh: number }) {
  const [versions, setVersions] = useState<CodeVersion[]>([]);
  const [shown, setShown] = useState<VersionCode | null>(null);
  useEffect(() => {
    void api<{ versions: CodeVersion[] }>(`${codePath}/versions`).then(
      (r) => setVersions(r.versions),
      () => setVersions([]),
    );
  }, [codePath, refresh]);
  const open = (version: number) => void api<VersionCode>(`${codePath}/versions/${version}`).then(setShown, () => setShown(null));
  return (
    <div className="card history" data-testid="history">
      <h3>
        <FormattedMessage id="ide.history" />
      </h3>
      <ul>
        {versions.map((v) => (
          <li key={v.version}>
            <button type="button" className="small" onClick={() => open(v.version)}>
              <FormattedMessage id="ide.version" values={{ version: v.version }} />
            </button>{" "}
            <When time={v.createdAt} />{" "}
            {!v.changed && (
              <span className="muted">
                <FormattedMessage id="ide.codeUnchanged" />
              </span>
            )}
          </li>
        ))}
      </ul>
      {shown && (
        <>
          <h4>
            {shown.previous ? (
              <FormattedMessage id="ide.diffTitle" values={{ from: shown.previous.version, to: shown.version }} />
            ) : (
              <FormattedMessage id="ide.firstVersion" values={{ version: shown.version }} />
            )}
          </h4>
          <Diff before={shown.previous?.code ?? ""} after={shown.code} />
        </>
      )}
    </div>
  );
}
