// The Playbooks page: every playbook with its trigger, and one playbook edited as an ordered list of steps with
// forms (action, parameters with placeholders, when/else, on failure, retries, timeout, approval, parallel groups).
// The server validates on save and names every problem; they are listed above the steps.
import { useEffect, useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, type ApiError, type Parameter, type PlaybookSummary, type User } from "../api.js";
import { PLAYBOOK_LIMITS } from "../../../src/sdk/vocabulary.js";
import { When } from "../format.js";
import { ErrorLine, useSubmission } from "../ide/forms.js";
import { Link, navigate } from "../router.js";
import { useActions } from "./CaseRespond.js";
import { PlaybookParameters } from "./PlaybookParameters.js";
import { ColumnHeads, Loading, MutedNote, SavedNote } from "../blocks.js";

interface Condition {
  step: string;
  path?: string;
  resultValue?: string;
  equals?: string;
  notEquals?: string;
  contains?: string;
}
interface ActionStep {
  id: string;
  action: string;
  params?: Record<string, string>;
  when?: Condition;
  else?: string;
  onFailure?: "stop" | "continue";
  retries?: { limit: number; backoffSeconds: number };
  timeoutSeconds?: number;
  approval?: { prompt?: string; timeoutMinutes: number; onTimeout: "reject" | "approve" | "stop" };
}
interface ParallelStep {
  id: string;
  parallel: ActionStep[];
}
/** Wait For Reporter's Answer: the run goes on when the reporter answers our reply, or when the time is up. */
interface WaitStep {
  id: string;
  waitForAnswer: { timeoutMinutes: number; replyStep?: string };
}
type Step = ActionStep | ParallelStep | WaitStep;
interface Trigger {
  event: "case_created";
  connector?: string;
  product?: string;
  environment?: string;
  priority?: number;
  entityTypes?: string[];
}
interface Playbook {
  name: string;
  description?: string;
  enabled?: boolean;
  parameters?: Parameter[];
  trigger: Trigger;
  steps: Step[];
}

const COMPARISONS = ["resultValue", "equals", "notEquals", "contains"] as const;
const isParallel = (step: Step): step is ParallelStep => "parallel" in step;
const isWait = (step: Step): step is WaitStep => "waitForAnswer" in step;

function WaitStepForm({ step, earlier, onChange }: { step: WaitStep; earlier: string[]; onChange: (step: WaitStep) => void }) {
  const wait = step.waitForAnswer;
  return (
    <div className="stack">
      <label className="stack">
        <FormattedMessage id="playbook.stepId" />
        <input aria-label="id" value={step.id} onChange={(e) => onChange({ ...step, id: e.target.value })} />
      </label>
      <label className="stack">
        <FormattedMessage id="playbook.waitMinutes" />
        <input
          aria-label="timeoutMinutes"
          type="number"
          min={0.05}
          step="any"
          value={wait.timeoutMinutes}
          onChange={(e) => onChange({ ...step, waitForAnswer: { ...wait, timeoutMinutes: Number(e.target.value) } })}
        />
      </label>
      <label className="stack">
        <FormattedMessage id="playbook.waitReplyStep" />
        <select
          aria-label="replyStep"
          value={wait.replyStep ?? ""}
          onChange={(e) => onChange({ ...step, waitForAnswer: compact({ ...wait, replyStep: e.target.value || undefined }) })}
        >
          <option value="">—</option>
          {earlier.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
const page = (name: string) => `/playbooks/${encodeURIComponent(name)}`;

/** Drops what is empty, so the document holds only what the form sets. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(
      ([, v]) => v !== undefined && v !== "" && !(typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0),
    ),
  ) as T;
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <label className="stack">
      <FormattedMessage id={label} />
      {children}
    </label>
  );
}

function ActionStepForm({ step, earlier, onChange }: { step: ActionStep; earlier: string[]; onChange: (step: ActionStep) => void }) {
  const intl = useIntl();
  const actions = useActions();
  const definition = actions.find((a) => a.reference === step.action)?.action;
  const params = step.params ?? {};
  const names = [...new Set([...(definition?.parameters.map((p) => p.name) ?? []), ...Object.keys(params)])];
  const set = (change: Partial<ActionStep>) => onChange(compact({ ...step, ...change }));
  const comparison = COMPARISONS.find((c) => step.when?.[c] !== undefined) ?? "resultValue";
  return (
    <div className="stack action-step">
      <div className="form-grid">
        <Field label="playbook.stepId">
          <input aria-label="id" value={step.id} onChange={(e) => set({ id: e.target.value })} required />
        </Field>
        <Field label="respond.action">
          <select
            aria-label={intl.formatMessage({ id: "respond.action" })}
            value={step.action}
            onChange={(e) => set({ action: e.target.value, params: {} })}
          >
            <option value="">—</option>
            {!definition && step.action && <option value={step.action}>{step.action}</option>}
            {actions.map((a) => (
              <option key={a.reference} value={a.reference}>
                {a.reference}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {names.length > 0 && (
        <table className="fields params">
          <tbody>
            {names.map((name) => {
              const parameter = definition?.parameters.find((p) => p.name === name);
              return (
                <tr key={name}>
                  <th scope="row">
                    {name}
                    {parameter?.required ? " *" : ""}
                  </th>
                  <td>
                    <input
                      aria-label={name}
                      value={params[name] ?? ""}
                      placeholder={parameter?.default !== undefined ? String(parameter.default) : "[Case.Title]"}
                      onChange={(e) => set({ params: compact({ ...params, [name]: e.target.value }) })}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <details open={Boolean(step.when || step.retries || step.approval || step.timeoutSeconds || step.onFailure)}>
        <summary>
          <FormattedMessage id="playbook.options" />
        </summary>
        <div className="form-grid">
          <Field label="playbook.when">
            <select
              value={step.when?.step ?? ""}
              onChange={(e) =>
                set({
                  when: e.target.value ? { step: e.target.value, [comparison]: step.when?.[comparison] ?? "" } : undefined,
                  ...(e.target.value ? {} : { else: undefined }),
                })
              }
            >
              <option value="">
                <FormattedMessage id="playbook.always" />
              </option>
              {earlier.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </Field>
          {step.when && (
            <>
              <Field label="playbook.path">
                <input
                  value={step.when.path ?? ""}
                  placeholder="verdict.score"
                  onChange={(e) => set({ when: compact({ ...step.when!, path: e.target.value }) })}
                />
              </Field>
              <Field label="playbook.comparison">
                <select
                  value={comparison}
                  onChange={(e) => {
                    const value = step.when![comparison] ?? "";
                    const next: Condition = { step: step.when!.step, ...(step.when!.path ? { path: step.when!.path } : {}) };
                    set({ when: { ...next, [e.target.value]: value } });
                  }}
                >
                  {COMPARISONS.map((c) => (
                    <option key={c} value={c}>
                      {intl.formatMessage({ id: `playbook.compare.${c}` })}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="playbook.value">
                <input
                  value={step.when[comparison] ?? ""}
                  onChange={(e) => set({ when: { ...step.when!, [comparison]: e.target.value } })}
                />
              </Field>
              <Field label="playbook.else">
                <input value={step.else ?? ""} placeholder="end" onChange={(e) => set({ else: e.target.value })} />
              </Field>
            </>
          )}
          <Field label="playbook.onFailure">
            <select value={step.onFailure ?? "stop"} onChange={(e) => set({ onFailure: e.target.value as "stop" | "continue" })}>
              <option value="stop">{intl.formatMessage({ id: "playbook.stop" })}</option>
              <option value="continue">{intl.formatMessage({ id: "playbook.continue" })}</option>
            </select>
          </Field>
          <Field label="playbook.retries">
            <input
              type="number"
              min={0}
              max={10}
              value={step.retries?.limit ?? 0}
              onChange={(e) =>
                set({
                  retries:
                    Number(e.target.value) > 0
                      ? { limit: Number(e.target.value), backoffSeconds: step.retries?.backoffSeconds ?? 10 }
                      : undefined,
                })
              }
            />
          </Field>
          {step.retries && (
            <Field label="playbook.backoff">
              <input
                type="number"
                min={0}
                max={3600}
                value={step.retries.backoffSeconds}
                onChange={(e) => set({ retries: { ...step.retries!, backoffSeconds: Number(e.target.value) } })}
              />
            </Field>
          )}
          <Field label="ide.timeout">
            <input
              type="number"
              min={1}
              max={86400}
              value={step.timeoutSeconds ?? ""}
              onChange={(e) => set({ timeoutSeconds: e.target.value ? Number(e.target.value) : undefined })}
            />
          </Field>
        </div>
        <label className="inline">
          <input
            type="checkbox"
            checked={Boolean(step.approval)}
            onChange={(e) => set({ approval: e.target.checked ? { timeoutMinutes: 60, onTimeout: "reject" } : undefined })}
          />{" "}
          <FormattedMessage id="playbook.approval" />
        </label>
        {step.approval && (
          <div className="form-grid">
            <Field label="playbook.prompt">
              <input
                value={step.approval.prompt ?? ""}
                onChange={(e) => set({ approval: compact({ ...step.approval!, prompt: e.target.value }) })}
              />
            </Field>
            <Field label="playbook.approvalMinutes">
              <input
                type="number"
                min={1}
                value={step.approval.timeoutMinutes}
                onChange={(e) => set({ approval: { ...step.approval!, timeoutMinutes: Number(e.target.value) } })}
              />
            </Field>
            <Field label="playbook.onTimeout">
              <select
                value={step.approval.onTimeout}
                onChange={(e) => set({ approval: { ...step.approval!, onTimeout: e.target.value as "reject" } })}
              >
                {(["reject", "approve", "stop"] as const).map((o) => (
                  <option key={o} value={o}>
                    {intl.formatMessage({ id: `playbook.timeout.${o}` })}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        )}
      </details>
    </div>
  );
}

function StepCard({
  step,
  index,
  count,
  earlier,
  onChange,
  onMove,
  onRemove,
}: {
  step: Step;
  index: number;
  count: number;
  earlier: string[];
  onChange: (step: Step) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
}) {
  return (
    <li className="card step" data-step={step.id}>
      <div className="toolbar meta">
        <strong>{index + 1}.</strong>{" "}
        {isParallel(step) && (
          <span className="badge">
            <FormattedMessage id="playbook.parallel" />
          </span>
        )}
        {isWait(step) && (
          <span className="badge">
            <FormattedMessage id="playbook.wait" />
          </span>
        )}
        <span className="spacer" />
        <button type="button" className="small" disabled={index === 0} onClick={() => onMove(index - 1)}>
          ↑
        </button>
        <button type="button" className="small" disabled={index === count - 1} onClick={() => onMove(index + 1)}>
          ↓
        </button>
        <button type="button" className="small danger" onClick={onRemove}>
          <FormattedMessage id="ide.param.remove" />
        </button>
      </div>
      {isParallel(step) ? (
        <div className="stack">
          <label className="stack">
            <FormattedMessage id="playbook.stepId" />
            <input aria-label="id" value={step.id} onChange={(e) => onChange({ ...step, id: e.target.value })} />
          </label>
          <ol>
            {step.parallel.map((member, k) => (
              <li key={k}>
                <ActionStepForm
                  step={member}
                  earlier={earlier}
                  onChange={(next) => onChange({ ...step, parallel: step.parallel.map((m, j) => (j === k ? next : m)) })}
                />
                <button
                  type="button"
                  className="small danger"
                  onClick={() => onChange({ ...step, parallel: step.parallel.filter((_, j) => j !== k) })}
                >
                  <FormattedMessage id="ide.param.remove" />
                </button>
              </li>
            ))}
          </ol>
          <div>
            <button
              type="button"
              className="small"
              disabled={step.parallel.length >= PLAYBOOK_LIMITS.maxParallel}
              onClick={() =>
                onChange({ ...step, parallel: [...step.parallel, { id: `${step.id}-${step.parallel.length + 1}`, action: "" }] })
              }
            >
              <FormattedMessage id="playbook.addParallel" />
            </button>
          </div>
        </div>
      ) : isWait(step) ? (
        <WaitStepForm step={step} earlier={earlier} onChange={onChange} />
      ) : (
        <ActionStepForm step={step} earlier={earlier} onChange={onChange} />
      )}
    </li>
  );
}

function PlaybookEditor({ name, user }: { name: string; user: User }) {
  const [playbook, setPlaybook] = useState<Playbook | null>(null);
  /** The stored playbook's configured parameter values (null: a new playbook, none yet). */
  const [configured, setConfigured] = useState<Record<string, unknown> | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    void api<{ definition: Playbook; parameters: Record<string, unknown> }>(`/playbooks/${encodeURIComponent(name)}`).then(
      (d) => {
        setConfigured(d.parameters ?? {});
        setPlaybook(d.definition);
      },
      () => setPlaybook({ name, enabled: true, trigger: { event: "case_created" }, steps: [] }),
    );
  }, [name]);
  const { submit, busy, error } = useSubmission(async () => {
    setProblems([]);
    setSaved(false);
    try {
      await api(`/playbooks/${encodeURIComponent(name)}`, { method: "PUT", body: { ...playbook!, trigger: compact(playbook!.trigger) } });
      setSaved(true);
    } catch (e) {
      const listed = ((e as ApiError).data as { problems?: string[] } | undefined)?.problems;
      if (listed?.length) setProblems(listed);
      else throw e;
    }
  });
  if (!playbook) return <Loading />;
  const change = (fields: Partial<Playbook>) => {
    setSaved(false);
    setPlaybook({ ...playbook, ...fields });
  };
  const trigger = (fields: Partial<Trigger>) => change({ trigger: { ...playbook.trigger, ...fields } });
  const steps = playbook.steps;
  const setStep = (index: number, step: Step) => change({ steps: steps.map((s, i) => (i === index ? step : s)) });
  const move = (from: number, to: number) => {
    const next = [...steps];
    const [step] = next.splice(from, 1);
    next.splice(to, 0, step!);
    change({ steps: next });
  };
  const earlierIds = (index: number) =>
    steps.slice(0, index).flatMap((s) => (isParallel(s) ? [s.id, ...s.parallel.map((m) => m.id)] : [s.id]));
  return (
    <div className="stack">
      <p>
        <Link to="/playbooks">
          ← <FormattedMessage id="playbook.all" />
        </Link>
      </p>
      <h1>{name}</h1>
      {/* Its own form beside the editor's (forms do not nest); the parameters as the stored document declares them. */}
      {configured && (
        <PlaybookParameters name={name} parameters={playbook.parameters ?? []} configured={configured} admin={user.role === "admin"} />
      )}
      <form className="stack playbook-editor" onSubmit={submit}>
        <section className="card form-grid">
          <Field label="ide.description">
            <input
              value={playbook.description ?? ""}
              maxLength={2000}
              onChange={(e) => change({ description: e.target.value || undefined })}
            />
          </Field>
          <label className="inline">
            <input type="checkbox" checked={playbook.enabled !== false} onChange={(e) => change({ enabled: e.target.checked })} />{" "}
            <FormattedMessage id="playbook.enabled" />
          </label>
        </section>
        <section className="card">
          <h2>
            <FormattedMessage id="playbook.trigger" />
          </h2>
          <div className="form-grid">
            <Field label="playbook.connector">
              <input
                id="trigger-connector"
                value={playbook.trigger.connector ?? ""}
                onChange={(e) => trigger({ connector: e.target.value || undefined })}
              />
            </Field>
            <Field label="playbook.product">
              <input value={playbook.trigger.product ?? ""} onChange={(e) => trigger({ product: e.target.value || undefined })} />
            </Field>
            <Field label="playbook.environment">
              <input value={playbook.trigger.environment ?? ""} onChange={(e) => trigger({ environment: e.target.value || undefined })} />
            </Field>
            <Field label="playbook.priority">
              <input
                type="number"
                value={playbook.trigger.priority ?? ""}
                onChange={(e) => trigger({ priority: e.target.value ? Number(e.target.value) : undefined })}
              />
            </Field>
            <Field label="playbook.entityTypes">
              <input
                value={(playbook.trigger.entityTypes ?? []).join(", ")}
                placeholder="URL, DOMAIN"
                onChange={(e) => {
                  const types = e.target.value
                    .split(",")
                    .map((t) => t.trim())
                    .filter(Boolean);
                  trigger({ entityTypes: types.length ? types : undefined });
                }}
              />
            </Field>
          </div>
        </section>
        <h2>
          <FormattedMessage id="playbook.steps" />
        </h2>
        <MutedNote message="playbook.placeholders" />
        {problems.length > 0 && (
          <div className="card error" role="alert" data-testid="playbook-problems">
            <p>
              <FormattedMessage id="playbook.problems" values={{ count: problems.length }} />
            </p>
            <ul>
              {problems.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          </div>
        )}
        <ol className="steps-editor">
          {steps.map((step, i) => (
            <StepCard
              key={i}
              step={step}
              index={i}
              count={steps.length}
              earlier={earlierIds(i)}
              onChange={(s) => setStep(i, s)}
              onMove={(to) => move(i, to)}
              onRemove={() => change({ steps: steps.filter((_, k) => k !== i) })}
            />
          ))}
        </ol>
        <div className="row">
          <button type="button" onClick={() => change({ steps: [...steps, { id: `step${steps.length + 1}`, action: "" }] })}>
            <FormattedMessage id="playbook.addStep" />
          </button>{" "}
          <button
            type="button"
            onClick={() =>
              change({
                steps: [...steps, { id: `group${steps.length + 1}`, parallel: [{ id: `group${steps.length + 1}-1`, action: "" }] }],
              })
            }
          >
            <FormattedMessage id="playbook.addGroup" />
          </button>{" "}
          <button
            type="button"
            onClick={() => change({ steps: [...steps, { id: `answer${steps.length + 1}`, waitForAnswer: { timeoutMinutes: 1440 } }] })}
          >
            <FormattedMessage id="playbook.addWait" />
          </button>
        </div>
        <ErrorLine error={error} />
        <div>
          <button type="submit" className="primary" disabled={busy}>
            <FormattedMessage id="playbook.save" />
          </button>{" "}
          <SavedNote shown={saved} />
        </div>
      </form>
    </div>
  );
}

function PlaybookList() {
  const [playbooks, setPlaybooks] = useState<PlaybookSummary[] | null>(null);
  const [name, setName] = useState("");
  useEffect(() => void api<PlaybookSummary[]>("/playbooks").then(setPlaybooks, () => setPlaybooks([])), []);
  return (
    <section>
      <h1>
        <FormattedMessage id="nav.playbooks" />
      </h1>
      {playbooks === null ? (
        <Loading />
      ) : playbooks.length === 0 ? (
        <MutedNote message="common.none" />
      ) : (
        <table>
          <ColumnHeads columns={["playbook.name", "playbook.trigger", "playbook.steps", "playbook.enabled", null]} />
          <tbody>
            {playbooks.map((p) => (
              <tr key={p.name}>
                <td>
                  <Link to={page(p.name)}>{p.name}</Link>
                  <br />
                  <small className="muted">{p.description}</small>
                </td>
                <td className="mono">
                  {Object.entries(p.trigger)
                    .filter(([k]) => k !== "event")
                    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
                    .join(" · ") || "—"}
                </td>
                <td>{p.steps}</td>
                <td>{p.enabled ? "✓" : "—"}</td>
                <td>
                  <When time={p.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="row card"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) navigate(page(name.trim()));
        }}
      >
        <label>
          <FormattedMessage id="playbook.newName" />{" "}
          <input id="new-playbook" value={name} pattern="[A-Za-z0-9][A-Za-z0-9 ._\-]{0,99}" onChange={(e) => setName(e.target.value)} />
        </label>{" "}
        <button type="submit">
          <FormattedMessage id="playbook.new" />
        </button>
      </form>
    </section>
  );
}

/** /playbooks and /playbooks/<name>. */
export function Playbooks({ path, user }: { path: string; user: User }) {
  const match = /^\/playbooks\/([^/]+)$/.exec(path);
  return match ? <PlaybookEditor key={path} name={decodeURIComponent(match[1]!)} user={user} /> : <PlaybookList />;
}
