// The IDE (admins): new integrations with an icon, connector definitions (parameters and mappings), the code
// editor with the server's problems on their lines, Play on unsaved code, Enable, and the code's history.
// Everything the connector returns is shown as React text: never markup, links not clickable.
import { useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { diffLines } from "diff";
import type { Completion } from "@codemirror/autocomplete";
import { api, ApiError, type ConnectorDefinition, type Parameter } from "../api.js";
import { PriorityBadge, When } from "../format.js";
import { Link, navigate } from "../router.js";
import { CodeEditor } from "../ide/CodeEditor.js";
import type { CodeVersion, Diagnostic, EditableIntegration, PlayResult, VersionCode } from "../ide/api.js";

const MAX_ICON_BYTES = 256 * 1024;
/** Past this, the diff is not computed in the browser. */
const MAX_DIFF_CHARS = 200_000;

function ErrorLine({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiError;
  return <p className="error" role="alert"><FormattedMessage id="error.generic" values={{ code: e.code ?? "ERROR", message: e.message }} /></p>;
}

function diagnosticsOf(error: unknown): Diagnostic[] {
  const data = error instanceof ApiError ? (error.data as { diagnostics?: Diagnostic[] } | undefined) : undefined;
  return data?.diagnostics ?? [];
}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function NewIntegration({ onCreated }: { onCreated: () => void }) {
  const intl = useIntl();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [icon, setIcon] = useState<File | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    setError(null);
    try {
      if (icon && icon.size > MAX_ICON_BYTES) throw new ApiError(400, "PARAM_INVALID", intl.formatMessage({ id: "ide.iconTooLarge" }));
      await api("/ide/integrations", { method: "POST", body: { name, description, ...(icon ? { icon: await readBase64(icon) } : {}) } });
      setName("");
      setDescription("");
      setIcon(null);
      // The file input is not controlled by React: clear it with the form.
      form.reset();
      onCreated();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby="new-integration-title">
      <h2 id="new-integration-title"><FormattedMessage id="ide.newIntegration" /></h2>
      <label className="stack"><FormattedMessage id="ide.integrationName" />
        <input id="integration-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      <label className="stack"><FormattedMessage id="ide.description" />
        <textarea id="integration-description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={5000} />
      </label>
      <label className="stack"><FormattedMessage id="ide.icon" />
        <input id="integration-icon" type="file" accept=".svg,.png,image/svg+xml,image/png" onChange={(e) => setIcon(e.target.files?.[0] ?? null)} />
      </label>
      <ErrorLine error={error} />
      <div><button type="submit" className="primary"><FormattedMessage id="ide.create" /></button></div>
    </form>
  );
}

type ParameterRow = { name: string; type: Parameter["type"]; default: string; required: boolean; description: string };

function toRows(parameters: Parameter[]): ParameterRow[] {
  return parameters.map((p) => ({ name: p.name, type: p.type, default: p.default === undefined ? "" : String(p.default), required: Boolean(p.required), description: p.description ?? "" }));
}

function fromRows(rows: ParameterRow[]): Parameter[] {
  return rows.filter((r) => r.name.trim()).map((r) => ({
    name: r.name.trim(), type: r.type,
    ...(r.default !== "" ? { default: r.type === "int" ? Number(r.default) : r.type === "boolean" ? r.default === "true" : r.default } : {}),
    ...(r.required ? { required: true } : {}),
    ...(r.description ? { description: r.description } : {}),
  }));
}

/** The connector definition: name, parameters with types and defaults, field mappings, interval, timeout. */
function DefinitionForm({ slug, existing, onSaved }: { slug: string; existing?: ConnectorDefinition; onSaved: (fileBase: string) => void }) {
  const intl = useIntl();
  const [fileBase, setFileBase] = useState(existing?.fileBase ?? "");
  const [name, setName] = useState(existing?.name ?? "");
  const [description, setDescription] = useState(existing?.description ?? "");
  const [rows, setRows] = useState<ParameterRow[]>(toRows(existing?.parameters ?? []));
  const [productFieldName, setProduct] = useState(existing?.productFieldName ?? "device_product");
  const [eventFieldName, setEvent] = useState(existing?.eventFieldName ?? "event_name");
  const [interval, setIntervalText] = useState(String(existing?.intervalSeconds ?? 300));
  const [timeout, setTimeoutText] = useState(String(existing?.timeoutSeconds ?? 60));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const update = (index: number, change: Partial<ParameterRow>) => setRows(rows.map((r, i) => (i === index ? { ...r, ...change } : r)));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const base = fileBase || name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
      await api(`/ide/integrations/${encodeURIComponent(slug)}/connectors/${encodeURIComponent(base)}`, {
        method: "PUT",
        body: { name, description, parameters: fromRows(rows), productFieldName, eventFieldName, intervalSeconds: Number(interval), timeoutSeconds: Number(timeout) },
      });
      onSaved(base);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card stack definition-form" onSubmit={submit}>
      <h3>{existing ? <FormattedMessage id="ide.editDefinition" /> : <FormattedMessage id="ide.newConnector" />}</h3>
      <div className="form-grid">
        <label className="stack"><FormattedMessage id="ide.connectorName" />
          <input id="definition-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <label className="stack"><FormattedMessage id="ide.fileName" />
          <input id="definition-file" value={fileBase} disabled={Boolean(existing)} pattern="[a-z0-9][a-z0-9_\-]{0,59}" placeholder={intl.formatMessage({ id: "ide.fileNameHint" })} onChange={(e) => setFileBase(e.target.value)} />
        </label>
        <label className="stack"><FormattedMessage id="ide.productField" />
          <input id="definition-product" value={productFieldName} onChange={(e) => setProduct(e.target.value)} required />
        </label>
        <label className="stack"><FormattedMessage id="ide.eventField" />
          <input id="definition-event" value={eventFieldName} onChange={(e) => setEvent(e.target.value)} required />
        </label>
        <label className="stack"><FormattedMessage id="ide.interval" />
          <input id="definition-interval" type="number" min={1} max={604800} value={interval} onChange={(e) => setIntervalText(e.target.value)} required />
        </label>
        <label className="stack"><FormattedMessage id="ide.timeout" />
          <input id="definition-timeout" type="number" min={1} max={86400} value={timeout} onChange={(e) => setTimeoutText(e.target.value)} required />
        </label>
      </div>
      <label className="stack"><FormattedMessage id="ide.description" />
        <textarea id="definition-description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={5000} />
      </label>
      <h4><FormattedMessage id="ide.parameters" /></h4>
      <table className="parameters">
        <thead><tr>
          <th><FormattedMessage id="ide.param.name" /></th><th><FormattedMessage id="ide.param.type" /></th><th><FormattedMessage id="ide.param.default" /></th>
          <th><FormattedMessage id="ide.param.required" /></th><th><FormattedMessage id="ide.description" /></th><th />
        </tr></thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <td><input aria-label={intl.formatMessage({ id: "ide.param.name" })} value={row.name} onChange={(e) => update(i, { name: e.target.value })} /></td>
              <td>
                <select aria-label={intl.formatMessage({ id: "ide.param.type" })} value={row.type} onChange={(e) => update(i, { type: e.target.value as Parameter["type"] })}>
                  {(["string", "password", "int", "boolean", "folder", "file"] as const).map((t) => <option key={t} value={t}>{t}</option>)}
                </select>
              </td>
              <td><input aria-label={intl.formatMessage({ id: "ide.param.default" })} value={row.default} disabled={row.type === "password"} onChange={(e) => update(i, { default: e.target.value })} /></td>
              <td><input type="checkbox" aria-label={intl.formatMessage({ id: "ide.param.required" })} checked={row.required} onChange={(e) => update(i, { required: e.target.checked })} /></td>
              <td><input aria-label={intl.formatMessage({ id: "ide.description" })} value={row.description} onChange={(e) => update(i, { description: e.target.value })} /></td>
              <td><button type="button" className="small danger" onClick={() => setRows(rows.filter((_, k) => k !== i))}><FormattedMessage id="ide.param.remove" /></button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <div><button type="button" className="small" onClick={() => setRows([...rows, { name: "", type: "string", default: "", required: false, description: "" }])}><FormattedMessage id="ide.param.add" /></button></div>
      <ErrorLine error={error} />
      <div><button type="submit" className="primary" disabled={busy}><FormattedMessage id="ide.saveDefinition" /></button></div>
    </form>
  );
}

export function IdeHome() {
  const [integrations, setIntegrations] = useState<EditableIntegration[] | null>(null);
  const [adding, setAdding] = useState<string | null>(null);
  const load = useCallback(() => void api<{ integrations: EditableIntegration[] }>("/ide/integrations").then((r) => setIntegrations(r.integrations), () => setIntegrations([])), []);
  useEffect(load, [load]);
  return (
    <section>
      <h1><FormattedMessage id="ide.title" /></h1>
      <p className="muted"><FormattedMessage id="ide.intro" /></p>
      {integrations === null ? <p><FormattedMessage id="common.loading" /></p> : integrations.length === 0 ? <p className="muted"><FormattedMessage id="ide.noIntegrations" /></p> : null}
      {integrations?.map((integration) => (
        <div key={integration.slug} className="card" data-integration={integration.slug}>
          <h2 className="meta">
            {integration.hasIcon && !integration.draft && <img className="integration-icon" src={`/api/integrations/${encodeURIComponent(integration.slug)}/icon`} alt="" width={24} height={24} />}
            {integration.name}
            {integration.draft && <span className="badge"><FormattedMessage id="ide.draft" /></span>}
          </h2>
          <p className="muted">{integration.description}</p>
          <ul>
            {integration.connectors.map((c) => (
              <li key={c.fileBase}><Link to={`/ide/${encodeURIComponent(integration.slug)}/${encodeURIComponent(c.fileBase)}`}>{c.name}</Link> <span className="muted">connectors/{c.fileBase}.ts</span></li>
            ))}
          </ul>
          {adding === integration.slug ? (
            <DefinitionForm slug={integration.slug} onSaved={(fileBase) => navigate(`/ide/${encodeURIComponent(integration.slug)}/${encodeURIComponent(fileBase)}`)} />
          ) : (
            <button type="button" onClick={() => setAdding(integration.slug)}><FormattedMessage id="ide.newConnector" /></button>
          )}
        </div>
      ))}
      <NewIntegration onCreated={load} />
    </section>
  );
}

function Problems({ diagnostics }: { diagnostics: Diagnostic[] }) {
  return (
    <div className="card problems" data-testid="problems">
      <h3><FormattedMessage id="ide.problems" values={{ count: diagnostics.length }} /></h3>
      {diagnostics.length === 0 ? <p className="muted"><FormattedMessage id="ide.noProblems" /></p> : (
        <ul>
          {diagnostics.map((d, i) => (
            <li key={i} className="error"><code>{d.file ?? ""}{d.line !== null ? `:${d.line}:${d.column ?? 1}` : ""}</code> {d.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function PlayOutput({ result }: { result: PlayResult }) {
  return (
    <div className="card play-output" data-testid="play-output">
      <p className={result.status === "succeeded" ? "ok" : "error"}>
        <FormattedMessage id="ide.playSummary" values={{ status: result.status, alerts: result.alertCount, failed: result.failed, skipped: result.skipped, ms: result.ms }} />
      </p>
      {result.error && <p className="error">{result.error.code}: {result.error.message}</p>}
      <h3><FormattedMessage id="ide.alerts" /></h3>
      <table className="play-alerts">
        <thead><tr><th><FormattedMessage id="ide.alert.name" /></th><th>ID</th><th><FormattedMessage id="ide.alert.priority" /></th><th><FormattedMessage id="ide.alert.events" /></th></tr></thead>
        <tbody>
          {result.alerts.map((alert, i) => (
            <tr key={i} data-alert={text(alert.display_id)}>
              <td>{text(alert.name)}</td>
              <td><code>{text(alert.display_id)}</code></td>
              <td>{typeof alert.priority === "number" ? <PriorityBadge value={alert.priority} /> : text(alert.priority)}</td>
              <td>
                {(alert.events ?? []).length === 0 ? <span className="muted">—</span> : (
                  <table className="fields events">
                    <tbody>
                      {(alert.events ?? []).slice(0, 50).flatMap((event, k) => Object.entries(event).slice(0, 40).map(([key, value]) => (
                        <tr key={`${k}-${key}`}><th scope="row">{k + 1}. {key}</th><td>{text(value)}</td></tr>
                      )))}
                    </tbody>
                  </table>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3><FormattedMessage id="ide.logs" /></h3>
      <pre className="logs" data-testid="play-logs">{result.logs.map((l) => `${l.level.toUpperCase()} ${l.message}`).join("\n")}</pre>
    </div>
  );
}

function Diff({ before, after }: { before: string; after: string }) {
  const parts = useMemo(() => (before.length + after.length > MAX_DIFF_CHARS ? null : diffLines(before, after)), [before, after]);
  if (!parts) return <p className="muted"><FormattedMessage id="ide.diffTooLarge" /></p>;
  return (
    <pre className="diff" data-testid="diff">
      {parts.flatMap((part, i) => part.value.replace(/\n$/, "").split("\n").map((line, k) => (
        <div key={`${i}-${k}`} className={part.added ? "added" : part.removed ? "removed" : "same"}>{part.added ? "+ " : part.removed ? "- " : "  "}{line}</div>
      )))}
    </pre>
  );
}

function History({ slug, fileBase, refresh }: { slug: string; fileBase: string; refresh: number }) {
  const [versions, setVersions] = useState<CodeVersion[]>([]);
  const [shown, setShown] = useState<VersionCode | null>(null);
  const base = `/ide/integrations/${encodeURIComponent(slug)}/connectors/${encodeURIComponent(fileBase)}`;
  useEffect(() => {
    void api<{ versions: CodeVersion[] }>(`${base}/versions`).then((r) => setVersions(r.versions), () => setVersions([]));
  }, [base, refresh]);
  const open = (version: number) => void api<VersionCode>(`${base}/versions/${version}`).then(setShown, () => setShown(null));
  return (
    <div className="card history" data-testid="history">
      <h3><FormattedMessage id="ide.history" /></h3>
      <ul>
        {versions.map((v) => (
          <li key={v.version}>
            <button type="button" className="small" onClick={() => open(v.version)}><FormattedMessage id="ide.version" values={{ version: v.version }} /></button>{" "}
            <When time={v.createdAt} /> {!v.changed && <span className="muted"><FormattedMessage id="ide.codeUnchanged" /></span>}
          </li>
        ))}
      </ul>
      {shown && (
        <>
          <h4>{shown.previous ? <FormattedMessage id="ide.diffTitle" values={{ from: shown.previous.version, to: shown.version }} /> : <FormattedMessage id="ide.firstVersion" values={{ version: shown.version }} />}</h4>
          <Diff before={shown.previous?.code ?? ""} after={shown.code} />
        </>
      )}
    </div>
  );
}

function ValueForm({ parameters, values, onChange, prefix }: { parameters: Parameter[]; values: Record<string, string>; onChange: (values: Record<string, string>) => void; prefix: string }) {
  return (
    <div className="params">
      {parameters.map((p) => {
        const id = `${prefix}-${p.name.replace(/[^\w]/g, "_")}`;
        return (
          <label key={p.name} htmlFor={id} className="stack">{p.name}{p.required ? " *" : ""}
            <input id={id} type={p.type === "password" ? "password" : "text"} autoComplete={p.type === "password" ? "new-password" : "off"} value={values[p.name] ?? ""}
              placeholder={p.default !== undefined ? String(p.default) : ""} onChange={(e) => onChange({ ...values, [p.name]: e.target.value })} />
          </label>
        );
      })}
    </div>
  );
}

function EnableForm({ slug, definition, values }: { slug: string; definition: ConnectorDefinition; values: Record<string, string> }) {
  const [name, setName] = useState(definition.fileBase);
  const [interval, setIntervalValue] = useState(String(definition.intervalSeconds));
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const enable = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    try {
      const parameters = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ""));
      await api(`/connectors/${encodeURIComponent(name)}`, { method: "PUT", body: { integration: slug, connector: definition.name, parameters, intervalSeconds: Number(interval), enabled: true } });
      setDone(name);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form className="card stack" onSubmit={enable}>
      <h3><FormattedMessage id="ide.enableTitle" /></h3>
      <p className="muted"><FormattedMessage id="ide.enableHint" /></p>
      <div className="form-grid">
        <label className="stack"><FormattedMessage id="ide.instanceName" /><input id="enable-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} /></label>
        <label className="stack"><FormattedMessage id="ide.interval" /><input id="enable-interval" type="number" min={1} value={interval} onChange={(e) => setIntervalValue(e.target.value)} required /></label>
      </div>
      <ErrorLine error={error} />
      {done && <p className="ok" role="status"><FormattedMessage id="ide.enabled" values={{ name: done, seconds: interval }} /> <Link to="/cases"><FormattedMessage id="nav.cases" /></Link></p>}
      <div><button type="submit" className="primary"><FormattedMessage id="ide.enable" /></button></div>
    </form>
  );
}

export function IdeEditor({ slug, fileBase }: { slug: string; fileBase: string }) {
  const intl = useIntl();
  const base = `/ide/integrations/${encodeURIComponent(slug)}/connectors/${encodeURIComponent(fileBase)}`;
  const [integration, setIntegration] = useState<EditableIntegration | null>(null);
  const [initial, setInitial] = useState<string | null>(null);
  const [completions, setCompletions] = useState<Completion[] | null>(null);
  const [code, setCode] = useState("");
  const [saved, setSaved] = useState("");
  const [diagnostics, setDiagnostics] = useState<Diagnostic[]>([]);
  const [status, setStatus] = useState<string>("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<"save" | "play" | null>(null);
  const [play, setPlay] = useState<PlayResult | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [versionTick, setVersionTick] = useState(0);
  const [editing, setEditing] = useState(false);

  const loadIntegration = useCallback(() => void api<{ integrations: EditableIntegration[] }>("/ide/integrations").then((r) => setIntegration(r.integrations.find((i) => i.slug === slug) ?? null)), [slug]);
  useEffect(() => {
    loadIntegration();
    void api<{ code: string }>(`${base}/code`).then((r) => {
      setInitial(r.code);
      setCode(r.code);
      setSaved(r.code);
    }, (e) => setError(e));
    void api<{ completions: Completion[] }>("/ide/sdk").then((r) => setCompletions(r.completions), () => setCompletions([]));
  }, [base, loadIntegration]);

  const definition = integration?.connectors.find((c) => c.fileBase === fileBase);
  const file = `connectors/${fileBase}.ts`;
  const here = diagnostics.filter((d) => d.file === file);

  const save = async () => {
    setBusy("save");
    setError(null);
    setStatus("");
    try {
      const result = await api<{ version: number }>(`${base}/code`, { method: "PUT", body: { code } });
      setSaved(code);
      setDiagnostics([]);
      setStatus(intl.formatMessage({ id: "ide.saved" }, { version: result.version }));
      setVersionTick((t) => t + 1);
    } catch (e) {
      // The code stays in the editor; the server keeps the working version.
      setDiagnostics(diagnosticsOf(e));
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const runPlay = async () => {
    setBusy("play");
    setError(null);
    setPlay(null);
    try {
      const parameters = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ""));
      setPlay(await api<PlayResult>(`${base}/play`, { method: "POST", body: { code, parameters } }));
    } catch (e) {
      setDiagnostics(diagnosticsOf(e));
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="ide">
      <p><Link to="/ide"><FormattedMessage id="ide.back" /></Link></p>
      <h1>{integration?.name ?? slug} · {definition?.name ?? fileBase}</h1>
      <div className="toolbar meta">
        <button type="button" className="primary" disabled={busy !== null || initial === null} onClick={() => void save()}><FormattedMessage id="ide.save" /></button>
        <button type="button" disabled={busy !== null || initial === null} onClick={() => void runPlay()}>▶ <FormattedMessage id="ide.play" /></button>
        <span className="muted">{file}</span>
        {code !== saved && <span className="badge"><FormattedMessage id="ide.unsaved" /></span>}
        {busy && <span className="muted"><FormattedMessage id={busy === "save" ? "ide.saving" : "ide.playing"} /></span>}
        {status && <span className="ok" role="status">{status}</span>}
      </div>
      <ErrorLine error={error} />
      <div className="ide-columns">
        <div>
          {initial !== null && completions !== null ? (
            <CodeEditor initial={initial} onChange={setCode} diagnostics={here} completions={completions} label={intl.formatMessage({ id: "ide.editorLabel" }, { file })} />
          ) : <p><FormattedMessage id="common.loading" /></p>}
        </div>
        <aside>
          <Problems diagnostics={diagnostics} />
          {definition && definition.parameters.length > 0 && (
            <div className="card">
              <h3><FormattedMessage id="ide.playParameters" /></h3>
              <ValueForm parameters={definition.parameters} values={values} onChange={setValues} prefix="play" />
            </div>
          )}
        </aside>
      </div>
      {play && <PlayOutput result={play} />}
      {definition && <EnableForm slug={slug} definition={definition} values={values} />}
      <History slug={slug} fileBase={fileBase} refresh={versionTick} />
      {definition && (editing ? (
        <DefinitionForm slug={slug} existing={definition} onSaved={() => {
          setEditing(false);
          loadIntegration();
          setVersionTick((t) => t + 1);
        }} />
      ) : <button type="button" onClick={() => setEditing(true)}><FormattedMessage id="ide.editDefinition" /></button>)}
    </section>
  );
}

/** /ide and /ide/<integration>/<connector>. */
export function Ide({ path }: { path: string }) {
  const match = /^\/ide\/([^/]+)\/([^/]+)$/.exec(path);
  if (match) return <IdeEditor key={path} slug={decodeURIComponent(match[1]!)} fileBase={decodeURIComponent(match[2]!)} />;
  return <IdeHome />;
}
