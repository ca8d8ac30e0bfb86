// Reply templates (replies to reporters): one per verdict and language; admins edit them and everyone sees
// a preview filled with a sample report. The preview's HTML is shown as its source text, never rendered.
import { useEffect, useState } from "react";
import { FormattedMessage } from "react-intl";
import { api, type User } from "../api.js";
import { ErrorLine, useSubmission } from "../ide/forms.js";
import { Loading, SavedNote } from "../blocks.js";

interface Template {
  verdict: string;
  language: string;
  subject: string;
  text: string;
  html: string;
  edited: boolean;
  updatedBy?: string;
}
interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export function ReplyTemplates({ user }: { user: User }) {
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [key, setKey] = useState("malicious/en");
  const [draft, setDraft] = useState<Rendered | null>(null);
  const [preview, setPreview] = useState<Rendered | null>(null);
  const [saved, setSaved] = useState(false);
  const load = () =>
    void api<{ templates: Template[] }>("/reply-templates").then(
      (r) => setTemplates(r.templates),
      () => setTemplates([]),
    );
  useEffect(load, []);
  const current = templates?.find((t) => `${t.verdict}/${t.language}` === key);
  useEffect(() => {
    if (current) setDraft({ subject: current.subject, text: current.text, html: current.html });
  }, [key, templates]);
  // Another template chosen: its own preview and save state.
  useEffect(() => {
    setPreview(null);
    setSaved(false);
  }, [key]);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const showPreview = () => {
    setPreviewError(null);
    api<{ preview: Rendered }>(`/reply-templates/${key}/preview`, { method: "POST", body: draft }).then(
      (r) => setPreview(r.preview),
      setPreviewError,
    );
  };
  const save = useSubmission(async () => {
    await api(`/reply-templates/${key}`, { method: "PUT", body: draft });
    setSaved(true);
    load();
  });
  if (!templates || !draft) return <Loading />;
  const admin = user.role === "admin";
  const field = (name: keyof Rendered, rows: number) => (
    <label className="stack">
      <FormattedMessage id={`replies.${name}`} />
      {rows === 1 ? (
        <input value={draft[name]} readOnly={!admin} onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} />
      ) : (
        <textarea rows={rows} value={draft[name]} readOnly={!admin} onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} />
      )}
    </label>
  );
  return (
    <div className="reply-templates">
      <h1>
        <FormattedMessage id="replies.title" />
      </h1>
      <p className="muted">
        <FormattedMessage id="replies.placeholders" /> <code>{"{{case.id}} {{report.subject}} {{verdict}} {{reasons}}"}</code>
      </p>
      <label>
        <FormattedMessage id="replies.template" />{" "}
        <select value={key} onChange={(e) => setKey(e.target.value)}>
          {templates.map((t) => (
            <option key={`${t.verdict}/${t.language}`} value={`${t.verdict}/${t.language}`}>
              {t.verdict} / {t.language}
              {t.edited ? " *" : ""}
            </option>
          ))}
        </select>
      </label>
      {current?.edited && (
        <p className="muted">
          <FormattedMessage id="replies.editedBy" values={{ who: current.updatedBy ?? "" }} />
        </p>
      )}
      <form className="stack" onSubmit={save.submit}>
        {field("subject", 1)}
        {field("text", 8)}
        {field("html", 6)}
        <ErrorLine error={save.error ?? previewError} />
        <div>
          <button type="button" onClick={showPreview}>
            <FormattedMessage id="replies.preview" />
          </button>{" "}
          {admin && (
            <button type="submit" disabled={save.busy}>
              <FormattedMessage id="replies.save" />
            </button>
          )}{" "}
          <SavedNote shown={saved} />
        </div>
      </form>
      {preview && (
        <section className="reply-preview" aria-live="polite">
          <h2>
            <FormattedMessage id="replies.previewTitle" />
          </h2>
          <p>
            <strong>{preview.subject}</strong>
          </p>
          <pre className="preview-text">{preview.text}</pre>
          <pre className="preview-html">{preview.html}</pre>
        </section>
      )}
    </div>
  );
}
