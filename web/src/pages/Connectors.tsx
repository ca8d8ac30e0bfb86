// Integrations and connectors: the form built from parameter definitions, enable/disable, Run once, Test, source.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { Highlight, themes } from "prism-react-renderer";
import { IntegrationSettingsForm } from "../respond/IntegrationSettingsForm.js";
import type { RespondIntegration } from "../respond/api.js";
import {
  api,
  type ApiError,
  type ConnectorDefinition,
  type ConnectorView,
  type Grouping,
  type GroupingMode,
  type Integration,
  type RunResult,
  type User,
} from "../api.js";
import { GROUPING_MODES } from "../../../src/sdk/vocabulary.js";
import { Link } from "../router.js";
import { Loading, MutedNote, ProblemLine, LabelledInput } from "../blocks.js";

type Values = Record<string, string | boolean>;

function ParameterForm({
  definition,
  values,
  onChange,
  stored,
}: {
  definition: ConnectorDefinition;
  values: Values;
  onChange: (values: Values) => void;
  stored?: Record<string, unknown>;
}) {
  const intl = useIntl();
  return (
    <div className="params">
      {definition.parameters.map((p) => {
        const id = `param-${p.name.replace(/[^\w]/g, "_")}`;
        const value = values[p.name];
        return (
          <div key={p.name} className="param">
            <label htmlFor={id}>
              {p.name}
              {p.required && (
                <span className="required">
                  {" "}
                  *
                  <span className="sr-only">
                    <FormattedMessage id="connectors.required" />
                  </span>
                </span>
              )}
            </label>
            {p.type === "boolean" ? (
              <input
                id={id}
                type="checkbox"
                checked={value === true}
                onChange={(e) => onChange({ ...values, [p.name]: e.target.checked })}
              />
            ) : (
              <input
                id={id}
                name={p.name}
                type={p.type === "password" ? "password" : p.type === "int" ? "number" : "text"}
                autoComplete={p.type === "password" ? "new-password" : "off"}
                value={typeof value === "string" ? value : ""}
                onChange={(e) => onChange({ ...values, [p.name]: e.target.value })}
                placeholder={
                  p.type === "password" && stored?.[p.name] === "(set)"
                    ? intl.formatMessage({ id: "connectors.passwordSet" })
                    : p.default !== undefined
                      ? String(p.default)
                      : ""
                }
              />
            )}
            {(p.description || p.default !== undefined) && (
              <small className="muted">
                {p.description}
                {p.default !== undefined && <> ({intl.formatMessage({ id: "connectors.default" }, { value: String(p.default) })})</>}
              </small>
            )}
          </div>
        );
      })}
    </div>
  );
}

function initialValues(definition: ConnectorDefinition, stored?: Record<string, unknown>): Values {
  const values: Values = {};
  for (const p of definition.parameters) {
    const value = stored?.[p.name] ?? p.default;
    if (p.type === "boolean") values[p.name] = value === true || value === "true";
    else if (p.type === "password") values[p.name] = "";
    else values[p.name] = value === undefined ? "" : String(value);
  }
  return values;
}

function Source({ slug, connector }: { slug: string; connector: string }) {
  const [source, setSource] = useState<string | null>(null);
  useEffect(() => {
    void api<{ source: string }>(`/integrations/${encodeURIComponent(slug)}/connectors/${encodeURIComponent(connector)}/source`).then(
      (s) => setSource(s.source),
      () => setSource(""),
    );
  }, [slug, connector]);
  if (source === null) return <Loading />;
  // Tokens become React elements: the code is shown as text, never parsed as markup.
  return (
    <Highlight code={source} language="tsx" theme={themes.github}>
      {({ tokens, getLineProps, getTokenProps }) => (
        <pre className="source">
          {tokens.map((line, i) => {
            const { key: _lineKey, ...lineProps } = getLineProps({ line }) as Record<string, unknown>;
            return (
              <div key={i} {...lineProps}>
                <span className="line-number">{i + 1}</span>
                {line.map((token, k) => {
                  const { key: _tokenKey, ...tokenProps } = getTokenProps({ token }) as Record<string, unknown>;
                  return <span key={k} {...tokenProps} />;
                })}
              </div>
            );
          })}
        </pre>
      )}
    </Highlight>
  );
}

function RunOutput({ result }: { result: RunResult }) {
  return (
    <div className="run-output" data-testid="run-output">
      <p className={result.status === "succeeded" ? "ok" : "error"}>
        <FormattedMessage
          id="connectors.result"
          values={{
            status: result.status,
            fetched: result.fetched,
            alerts: result.alerts,
            ingested: result.ingested,
            duplicates: result.duplicates,
            failed: result.failed,
            ms: result.ms,
          }}
        />
        {result.error && (
          <>
            {" "}
            — {result.error.code}: {result.error.message}
          </>
        )}
      </p>
      {result.package && (
        <>
          <h4>
            <FormattedMessage id="connectors.package" />
          </h4>
          <pre className="package">{JSON.stringify(result.package, null, 2)}</pre>
        </>
      )}
      <h4>
        <FormattedMessage id="connectors.logs" />
      </h4>
      <pre className="logs">
        {result.logs.map((l) => `${new Date(l.time).toISOString()} ${l.level.toUpperCase()} ${l.message}`).join("\n")}
      </pre>
    </div>
  );
}

// The console offers grouping first and "off" last.
const GROUPING_CHOICES: GroupingMode[] = [...GROUPING_MODES.filter((mode) => mode !== "off"), "off"];
const DEFAULT_GROUPING: Grouping = { mode: "campaign", windowHours: 24, maxAlerts: 500 };

/** How ingest groups the connector's alerts into cases: SecOps' choices and the campaign mode. */
function GroupingFields({
  value,
  onChange,
}: {
  value: { mode: GroupingMode; windowHours: string; maxAlerts: string };
  onChange: (value: { mode: GroupingMode; windowHours: string; maxAlerts: string }) => void;
}) {
  const intl = useIntl();
  return (
    <fieldset className="grouping">
      <legend>
        <FormattedMessage id="connectors.grouping" />
      </legend>
      <div className="param">
        <label htmlFor="grouping-mode">
          <FormattedMessage id="connectors.grouping.mode" />
        </label>
        <select id="grouping-mode" value={value.mode} onChange={(e) => onChange({ ...value, mode: e.target.value as GroupingMode })}>
          {GROUPING_CHOICES.map((m) => (
            <option key={m} value={m}>
              {intl.formatMessage({ id: `connectors.grouping.${m}` as "connectors.grouping.campaign" })}
            </option>
          ))}
        </select>
        <small className="muted">
          {intl.formatMessage({ id: `connectors.grouping.${value.mode}.help` as "connectors.grouping.campaign.help" })}
        </small>
      </div>
      {value.mode !== "off" && (
        <>
          <div className="param">
            <LabelledInput
              id="grouping-hours"
              label="connectors.grouping.hours"
              type="number"
              min={1}
              max={2160}
              value={value.windowHours}
              onChange={(e) => onChange({ ...value, windowHours: e.target.value })}
            />
          </div>
          <div className="param">
            <LabelledInput
              id="grouping-max"
              label="connectors.grouping.max"
              type="number"
              min={1}
              max={100000}
              value={value.maxAlerts}
              onChange={(e) => onChange({ ...value, maxAlerts: e.target.value })}
            />
          </div>
        </>
      )}
    </fieldset>
  );
}

function ConnectorEditor({
  integrations,
  existing,
  onSaved,
  onCancel,
}: {
  integrations: Integration[];
  existing?: ConnectorView;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const intl = useIntl();
  const [slug, setSlug] = useState(
    existing ? (integrations.find((i) => i.name === existing.integration)?.slug ?? "") : (integrations[0]?.slug ?? ""),
  );
  const integration = integrations.find((i) => i.slug === slug);
  const [definitionName, setDefinitionName] = useState(existing?.definition ?? integration?.connectors[0]?.name ?? "");
  const definition = integration?.connectors.find((c) => c.name === definitionName) ?? integration?.connectors[0];
  const [name, setName] = useState(existing?.name ?? "");
  const [interval, setInterval] = useState(String(existing?.intervalSeconds ?? definition?.intervalSeconds ?? 60));
  const [values, setValues] = useState<Values>(() => (definition ? initialValues(definition, existing?.parameters) : {}));
  const [grouping, setGrouping] = useState(() => {
    const g = existing?.grouping ?? DEFAULT_GROUPING;
    return { mode: g.mode, windowHours: String(g.windowHours), maxAlerts: String(g.maxAlerts) };
  });
  const [error, setError] = useState("");

  if (!integration || !definition) return null;
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const parameters: Record<string, string | boolean> = {};
    for (const p of definition.parameters) {
      const value = values[p.name];
      if (value === "" || value === undefined) continue;
      parameters[p.name] = value;
    }
    try {
      await api(`/connectors/${encodeURIComponent(name)}`, {
        method: "PUT",
        body: {
          integration: integration.name,
          connector: definition.name,
          parameters,
          intervalSeconds: Number(interval),
          grouping: { mode: grouping.mode, windowHours: Number(grouping.windowHours), maxAlerts: Number(grouping.maxAlerts) },
        },
      });
      onSaved();
    } catch (e) {
      const err = e as ApiError;
      setError(`${err.code}: ${err.message}`);
    }
  };
  return (
    <form className="card editor" onSubmit={save}>
      <h2>
        {existing ? (
          <FormattedMessage id="connectors.edit" values={{ name: existing.name }} />
        ) : (
          <FormattedMessage id="connectors.create" />
        )}
      </h2>
      <div className="param">
        <LabelledInput
          id="connector-name"
          label="connectors.name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          disabled={Boolean(existing)}
          required
          maxLength={100}
        />
      </div>
      {!existing && (
        <div className="param">
          <label htmlFor="connector-integration">
            <FormattedMessage id="connectors.integration" />
          </label>
          <select
            id="connector-integration"
            value={slug}
            onChange={(e) => {
              setSlug(e.target.value);
              const next = integrations.find((i) => i.slug === e.target.value)?.connectors[0];
              if (next) {
                setDefinitionName(next.name);
                setValues(initialValues(next));
              }
            }}
          >
            {integrations.map((i) => (
              <option key={i.slug} value={i.slug}>
                {i.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {integration.connectors.length > 1 && !existing && (
        <div className="param">
          <label htmlFor="connector-definition">
            <FormattedMessage id="connectors.definition" />
          </label>
          <select
            id="connector-definition"
            value={definition.name}
            onChange={(e) => {
              setDefinitionName(e.target.value);
              const next = integration.connectors.find((c) => c.name === e.target.value);
              if (next) setValues(initialValues(next));
            }}
          >
            {integration.connectors.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <p className="muted">
        <FormattedMessage
          id="connectors.mappings"
          values={{ product: definition.productFieldName, event: definition.eventFieldName, timeout: definition.timeoutSeconds }}
        />
      </p>
      <div className="param">
        <LabelledInput
          id="connector-interval"
          label="connectors.interval"
          type="number"
          min={1}
          value={interval}
          onChange={(e) => setInterval(e.target.value)}
        />
      </div>
      <GroupingFields value={grouping} onChange={setGrouping} />
      <ParameterForm definition={definition} values={values} onChange={setValues} {...(existing ? { stored: existing.parameters } : {})} />
      <ProblemLine text={error} />
      <div className="actions">
        <button type="submit" className="primary">
          {intl.formatMessage({ id: "common.save" })}
        </button>
        <button type="button" onClick={onCancel}>
          {intl.formatMessage({ id: "common.cancel" })}
        </button>
      </div>
    </form>
  );
}

export function Connectors({ user }: { user: User }) {
  const intl = useIntl();
  const isAdmin = user.role === "admin";
  const [integrations, setIntegrations] = useState<Integration[]>([]);
  const [connectors, setConnectors] = useState<ConnectorView[]>([]);
  const [editing, setEditing] = useState<ConnectorView | "new" | null>(null);
  const [busy, setBusy] = useState<string>("");
  const [results, setResults] = useState<Record<string, RunResult>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [source, setSource] = useState<string | null>(null);

  const load = useCallback(() => {
    void api<{ integrations: Integration[] }>("/integrations").then(
      (r) => setIntegrations(r.integrations),
      () => undefined,
    );
    void api<{ connectors: ConnectorView[] }>("/connectors").then(
      (r) => setConnectors(r.connectors),
      () => undefined,
    );
  }, []);
  useEffect(load, [load]);

  const act = async (connector: ConnectorView, action: "run" | "test" | "enable" | "disable" | "delete") => {
    setBusy(`${connector.name}:${action}`);
    setErrors((e) => ({ ...e, [connector.name]: "" }));
    try {
      if (action === "run" || action === "test") {
        const result = await api<RunResult>(`/connectors/${encodeURIComponent(connector.name)}/${action}`, { method: "POST" });
        setResults((r) => ({ ...r, [connector.name]: result }));
      } else if (action === "delete") {
        if (!window.confirm(intl.formatMessage({ id: "connectors.confirmDelete" }, { name: connector.name }))) return;
        await api(`/connectors/${encodeURIComponent(connector.name)}`, { method: "DELETE" });
      } else {
        await api(`/connectors/${encodeURIComponent(connector.name)}/enabled`, { method: "POST", body: { enabled: action === "enable" } });
      }
    } catch (e) {
      const err = e as ApiError;
      setErrors((old) => ({ ...old, [connector.name]: `${err.code}: ${err.message}` }));
    } finally {
      setBusy("");
      load();
    }
  };

  return (
    <div>
      <h1>
        <FormattedMessage id="connectors.title" />
      </h1>
      <h2>
        <FormattedMessage id="connectors.integrations" />
      </h2>
      <ul className="integrations">
        {integrations.map((integration) => (
          <li key={integration.slug} className="card">
            {integration.hasIcon && (
              <img src={`/api/integrations/${encodeURIComponent(integration.slug)}/icon`} alt="" width={32} height={32} />
            )}
            <div>
              <strong>{integration.name}</strong>
              <p className="muted">{integration.description}</p>
              {integration.connectors.map((c) => (
                <div key={c.name}>
                  <span>{c.name}</span>{" "}
                  <button
                    type="button"
                    className="small"
                    onClick={() => setSource(source === `${integration.slug}/${c.fileBase}` ? null : `${integration.slug}/${c.fileBase}`)}
                  >
                    <FormattedMessage id={source === `${integration.slug}/${c.fileBase}` ? "connectors.hideSource" : "connectors.source"} />
                  </button>
                  {source === `${integration.slug}/${c.fileBase}` && <Source slug={integration.slug} connector={c.fileBase} />}
                </div>
              ))}
              {isAdmin && <IntegrationSettingsForm integration={integration as unknown as RespondIntegration} />}
            </div>
          </li>
        ))}
      </ul>

      <h2>
        <FormattedMessage id="connectors.instances" />
      </h2>
      {!isAdmin && <MutedNote message="connectors.adminOnly" />}
      {isAdmin && editing === null && (
        <button type="button" className="primary" onClick={() => setEditing("new")}>
          <FormattedMessage id="connectors.new" />
        </button>
      )}
      {editing !== null && integrations.length > 0 && (
        <ConnectorEditor
          key={editing === "new" ? "new" : editing.name}
          integrations={integrations}
          {...(editing === "new" ? {} : { existing: editing })}
          onSaved={() => {
            setEditing(null);
            load();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {connectors.length === 0 ? (
        <MutedNote message="connectors.empty" />
      ) : (
        <ul className="connectors">
          {connectors.map((c) => (
            <li key={c.name} className={`card ${c.failing ? "failing" : ""}`} data-connector={c.name}>
              <div className="row">
                <strong>{c.name}</strong>
                <span className="muted">
                  {c.integration} · {c.definition}
                </span>
                {c.failing ? (
                  <span className="badge run-failed">
                    <FormattedMessage id="connectors.failing" />
                  </span>
                ) : c.lastRuns.length ? (
                  <span className="badge run-succeeded">
                    <FormattedMessage id="connectors.healthy" />
                  </span>
                ) : null}
                <span className="muted">
                  {c.enabled ? <FormattedMessage id="connectors.enabled" /> : <FormattedMessage id="overview.disabled" />}
                </span>
                <span className="muted">
                  <FormattedMessage id="connectors.interval" />: {intl.formatNumber(c.intervalSeconds)}
                </span>
              </div>
              {c.problem && <p className="error">{c.problem}</p>}
              <p className="muted">
                {c.lastRuns[0] ? (
                  <FormattedMessage
                    id="connectors.lastRun"
                    values={{
                      when: intl.formatDate(c.lastRuns[0].started_at, { dateStyle: "short", timeStyle: "medium" }),
                      status: intl.formatMessage({
                        id: `runs.status.${c.lastRuns[0].status}` as "runs.status.failed",
                        defaultMessage: c.lastRuns[0].status,
                      }),
                    }}
                  />
                ) : (
                  <FormattedMessage id="connectors.noRuns" />
                )}
                {c.lastRuns[0]?.error && <> — {c.lastRuns[0].error}</>}
                {" · "}
                <Link to={`/runs?connector=${encodeURIComponent(c.name)}`}>
                  <FormattedMessage id="connectors.runHistory" />
                </Link>
              </p>
              {c.productFieldName && (
                <p className="muted">
                  <FormattedMessage
                    id="connectors.mappings"
                    values={{ product: c.productFieldName, event: c.eventFieldName, timeout: c.timeoutSeconds }}
                  />
                </p>
              )}
              {isAdmin && (
                <div className="actions">
                  <button type="button" disabled={Boolean(busy)} onClick={() => void act(c, "test")}>
                    ▶ <FormattedMessage id="connectors.test" />
                  </button>
                  <button type="button" disabled={Boolean(busy)} onClick={() => void act(c, "run")}>
                    <FormattedMessage id="connectors.runOnce" />
                  </button>
                  <button type="button" disabled={Boolean(busy)} onClick={() => void act(c, c.enabled ? "disable" : "enable")}>
                    <FormattedMessage id={c.enabled ? "connectors.disable" : "connectors.enable"} />
                  </button>
                  <button type="button" onClick={() => setEditing(c)}>
                    <FormattedMessage id="connectors.edit" values={{ name: "" }} />
                  </button>
                  <button type="button" className="danger" disabled={Boolean(busy)} onClick={() => void act(c, "delete")}>
                    <FormattedMessage id="connectors.delete" />
                  </button>
                </div>
              )}
              {busy.startsWith(`${c.name}:`) && (
                <p>
                  <FormattedMessage id="connectors.running" />
                </p>
              )}
              <ProblemLine text={errors[c.name]} />
              {results[c.name] && <RunOutput result={results[c.name]!} />}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
