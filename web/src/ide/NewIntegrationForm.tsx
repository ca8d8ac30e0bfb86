// The form that creates an integration of one's own: a name, a description and an optional icon.
import { useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api, ApiError } from "../api.js";
import { ErrorLine, useSubmission } from "./forms.js";

const MAX_ICON_BYTES = 256 * 1024;

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export function NewIntegrationForm({ onCreated }: { onCreated: () => void }) {
  const intl = useIntl();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [icon, setIcon] = useState<File | null>(null);
  const { submit, error } = useSubmission(async (form) => {
    if (icon && icon.size > MAX_ICON_BYTES) throw new ApiError(400, "PARAM_INVALID", intl.formatMessage({ id: "ide.iconTooLarge" }));
    await api("/ide/integrations", { method: "POST", body: { name, description, ...(icon ? { icon: await readBase64(icon) } : {}) } });
    setName("");
    setDescription("");
    setIcon(null);
    // The file input is not controlled by React: clear it with the form.
    form.reset();
    onCreated();
  });
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby="new-integration-title">
      <h2 id="new-integration-title">
        <FormattedMessage id="ide.newIntegration" />
      </h2>
      <label className="stack">
        <FormattedMessage id="ide.integrationName" />
        <input id="integration-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      <label className="stack">
        <FormattedMessage id="ide.description" />
        <textarea id="integration-description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={5000} />
      </label>
      <label className="stack">
        <FormattedMessage id="ide.icon" />
        <input
          id="integration-icon"
          type="file"
          accept=".svg,.png,image/svg+xml,image/png"
          onChange={(e) => setIcon(e.target.files?.[0] ?? null)}
        />
      </label>
      <ErrorLine error={error} />
      <div>
        <button type="submit" className="primary">
          <FormattedMessage id="ide.create" />
        </button>
      </div>
    </form>
  );
}
