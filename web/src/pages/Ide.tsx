// The IDE (admins): the integrations of one's own with their connectors, and one connector's page: its code
// (Save, Play on unsaved code), Play's parameters and result, Enable, the code's versions and its definition.
// The parts in web/src/ide/ keep their own state; this page holds only what several of them share.
import { useCallback, useEffect, useReducer, useState } from "react";
import { FormattedMessage } from "react-intl";
import { api } from "../api.js";
import { Link, navigate } from "../router.js";
import type { EditableIntegration } from "../ide/api.js";
import { CodePanel } from "../ide/CodePanel.js";
import { CodeDefinitionForm, type CodeKind } from "../ide/CodeDefinitionForm.js";
import { CodeIde } from "../ide/CodeIde.js";
import { ConnectorDefinitionForm } from "../ide/ConnectorDefinitionForm.js";
import { EnableConnectorForm } from "../ide/EnableConnectorForm.js";
import { NewIntegrationForm } from "../ide/NewIntegrationForm.js";
import { filledValues, ParameterValuesForm, type ParameterValues } from "../ide/ParameterValues.js";
import { PlayOutput, usePlay } from "../ide/PlayPanel.js";
import { VersionHistory } from "../ide/VersionHistory.js";
import { DefinitionEditor } from "../ide/forms.js";
import { Loading, MutedNote } from "../blocks.js";

/** The integrations the IDE can edit (null while loading, none if they cannot be listed). */
function useEditableIntegrations() {
  const [integrations, setIntegrations] = useState<EditableIntegration[] | null>(null);
  const reload = useCallback(
    () =>
      void api<{ integrations: EditableIntegration[] }>("/ide/integrations").then(
        (r) => setIntegrations(r.integrations),
        () => setIntegrations([]),
      ),
    [],
  );
  useEffect(reload, [reload]);
  return { integrations, reload };
}

const connectorPage = (slug: string, fileBase: string) => `/ide/${encodeURIComponent(slug)}/${encodeURIComponent(fileBase)}`;
const codePage = (slug: string, kind: CodeKind, fileBase: string) =>
  `/ide/${encodeURIComponent(slug)}/${kind}/${encodeURIComponent(fileBase)}`;

function IdeHome() {
  const { integrations, reload } = useEditableIntegrations();
  // One new-connector form at a time, in its integration's card.
  const [addingTo, setAddingTo] = useState<string | null>(null);
  // Or one new action or job form: "<slug>/<kind>".
  const [addingCode, setAddingCode] = useState<string | null>(null);
  return (
    <section>
      <h1>
        <FormattedMessage id="ide.title" />
      </h1>
      <MutedNote message="ide.intro" />
      {integrations === null ? <Loading /> : integrations.length === 0 ? <MutedNote message="ide.noIntegrations" /> : null}
      {integrations?.map((integration) => (
        <div key={integration.slug} className="card" data-integration={integration.slug}>
          <h2 className="meta">
            {integration.hasIcon && !integration.draft && (
              <img
                className="integration-icon"
                src={`/api/integrations/${encodeURIComponent(integration.slug)}/icon`}
                alt=""
                width={24}
                height={24}
              />
            )}
            {integration.name}
            {integration.draft && (
              <span className="badge">
                <FormattedMessage id="ide.draft" />
              </span>
            )}
          </h2>
          <p className="muted">{integration.description}</p>
          <ul>
            {integration.connectors.map((c) => (
              <li key={c.fileBase}>
                <Link to={connectorPage(integration.slug, c.fileBase)}>{c.name}</Link>{" "}
                <span className="muted">connectors/{c.fileBase}.ts</span>
              </li>
            ))}
          </ul>
          {addingTo === integration.slug ? (
            <ConnectorDefinitionForm slug={integration.slug} onSaved={(fileBase) => navigate(connectorPage(integration.slug, fileBase))} />
          ) : (
            <button type="button" onClick={() => setAddingTo(integration.slug)}>
              <FormattedMessage id="ide.newConnector" />
            </button>
          )}
          {(["actions", "jobs"] as const).map((kind) => (
            <div key={kind} className="stack" data-kind={kind}>
              <h3>
                <FormattedMessage id={kind === "actions" ? "ide.actions" : "ide.jobs"} />
              </h3>
              <ul>
                {integration[kind].map((d) => (
                  <li key={d.fileBase}>
                    <Link to={codePage(integration.slug, kind, d.fileBase)}>{d.name}</Link>{" "}
                    <span className="muted">
                      {kind}/{d.fileBase}.ts
                    </span>
                  </li>
                ))}
              </ul>
              {addingCode === `${integration.slug}/${kind}` ? (
                <CodeDefinitionForm
                  slug={integration.slug}
                  kind={kind}
                  onSaved={(fileBase) => navigate(codePage(integration.slug, kind, fileBase))}
                />
              ) : (
                <div>
                  <button type="button" onClick={() => setAddingCode(`${integration.slug}/${kind}`)}>
                    <FormattedMessage id={kind === "actions" ? "ide.newAction" : "ide.newJob"} />
                  </button>
                </div>
              )}
            </div>
          ))}
        </div>
      ))}
      <NewIntegrationForm onCreated={reload} />
    </section>
  );
}

function ConnectorIde({ slug, fileBase }: { slug: string; fileBase: string }) {
  const codePath = `/ide/integrations/${encodeURIComponent(slug)}/connectors/${encodeURIComponent(fileBase)}`;
  const { integrations, reload } = useEditableIntegrations();
  const integration = integrations?.find((i) => i.slug === slug);
  const definition = integration?.connectors.find((c) => c.fileBase === fileBase);
  const play = usePlay(codePath);
  // Typed once for Play, and stored by Enable.
  const [values, setValues] = useState<ParameterValues>({});
  // Counts saves (of the code or the definition) so the version list is fetched again.
  const [saves, countSave] = useReducer((count: number) => count + 1, 0);
  return (
    <section className="ide">
      <p>
        <Link to="/ide">
          <FormattedMessage id="ide.back" />
        </Link>
      </p>
      <h1>
        {integration?.name ?? slug} · {definition?.name ?? fileBase}
      </h1>
      <CodePanel
        codePath={codePath}
        file={`connectors/${fileBase}.ts`}
        onSaved={countSave}
        onPlay={(code) => play.run({ code, parameters: filledValues(values) })}
        aside={
          definition &&
          definition.parameters.length > 0 && (
            <div className="card">
              <h3>
                <FormattedMessage id="ide.playParameters" />
              </h3>
              <ParameterValuesForm parameters={definition.parameters} values={values} onChange={setValues} idPrefix="play" />
            </div>
          )
        }
      />
      {play.result && <PlayOutput result={play.result} />}
      {definition && <EnableConnectorForm slug={slug} definition={definition} values={values} />}
      <VersionHistory codePath={codePath} refresh={saves} />
      {definition && (
        <DefinitionEditor
          onSaved={() => {
            reload();
            countSave();
          }}
          form={(onSaved) => <ConnectorDefinitionForm slug={slug} existing={definition} onSaved={onSaved} />}
        />
      )}
    </section>
  );
}

function CodeIdePage({ slug, kind, fileBase }: { slug: string; kind: CodeKind; fileBase: string }) {
  const { integrations, reload } = useEditableIntegrations();
  const integration = integrations?.find((i) => i.slug === slug);
  return (
    <>
      <p>
        <Link to="/ide">
          <FormattedMessage id="ide.back" />
        </Link>
      </p>
      {integrations === null ? (
        <Loading />
      ) : integration ? (
        <CodeIde integration={integration} kind={kind} fileBase={fileBase} reload={reload} />
      ) : (
        <p className="error">{slug}</p>
      )}
    </>
  );
}

/** /ide, /ide/<integration>/<connector> and /ide/<integration>/actions|jobs/<file>. */
export function Ide({ path }: { path: string }) {
  const code = /^\/ide\/([^/]+)\/(actions|jobs)\/([^/]+)$/.exec(path);
  if (code)
    return (
      <CodeIdePage key={path} slug={decodeURIComponent(code[1]!)} kind={code[2] as CodeKind} fileBase={decodeURIComponent(code[3]!)} />
    );
  const match = /^\/ide\/([^/]+)\/([^/]+)$/.exec(path);
  if (match) return <ConnectorIde key={path} slug={decodeURIComponent(match[1]!)} fileBase={decodeURIComponent(match[2]!)} />;
  return <IdeHome />;
}
