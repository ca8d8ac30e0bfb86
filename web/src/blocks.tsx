// Markup the console's pages share: the loading line, a table's column headings, an empty list's note,
// and the alert and status lines that report how an action went. Text only: every value is React text.
import type { InputHTMLAttributes } from "react";
import { FormattedMessage, type IntlShape } from "react-intl";
import type { CatalogMessageId as MessageId } from "./messages.js";

export function Loading() {
  return (
    <p>
      <FormattedMessage id="common.loading" />
    </p>
  );
}

/** A muted line: what stands where an empty list would ("none", "no … yet"), or a hint. */
export function MutedNote({ message }: { message: MessageId }) {
  return (
    <p className="muted">
      <FormattedMessage id={message} />
    </p>
  );
}

/**
 * A column heading: a message, a message with a hint (its title), a name that is not translated (a header's own name,
 * "Message-ID"), or null for an unnamed column (the row's buttons).
 */
export type Column = MessageId | { message: MessageId; hint: string } | { text: string } | null;

export function ColumnHeads({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column, index) =>
          column === null ? (
            <th key={index} />
          ) : typeof column === "string" ? (
            <th key={index}>
              <FormattedMessage id={column} />
            </th>
          ) : "text" in column ? (
            <th key={index}>{column.text}</th>
          ) : (
            <th key={index} title={column.hint}>
              <FormattedMessage id={column.message} />
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}

/** A failure to report (nothing when there is none); `className` as the page styles it. */
export function ProblemLine({ text, className = "error" }: { text: string | null | undefined; className?: string }) {
  if (!text) return null;
  return (
    <p className={className} role="alert">
      {text}
    </p>
  );
}

/** What an action did, announced (nothing when there is nothing to say). */
export function NoticeLine({ text }: { text: string | null | undefined }) {
  if (!text) return null;
  return (
    <p className="ok" role="status">
      {text}
    </p>
  );
}

/** "Saved", beside a form's button, once its submission has gone through. */
export function SavedNote({ shown, message = "playbook.saved" }: { shown: boolean; message?: MessageId }) {
  if (!shown) return null;
  return (
    <span className="ok" role="status">
      <FormattedMessage id={message} />
    </span>
  );
}

/** The props of a field without a visible label: its placeholder is also its accessible name. */
export function placeholderLabel(intl: IntlShape, message: MessageId) {
  const text = intl.formatMessage({ id: message });
  return { "aria-label": text, placeholder: text };
}

/** An input under its label, the label naming it (htmlFor): every other prop goes to the input as given. */
export function LabelledInput({ id, label, ...input }: { id: string; label: MessageId } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <>
      <label htmlFor={id}>
        <FormattedMessage id={label} />
      </label>
      <input id={id} {...input} />
    </>
  );
}
