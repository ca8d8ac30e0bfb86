// Showing hostile values safely: defanged indicators, copy buttons, priorities, statuses, times.
import { useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import type { MessageId } from "./messages.js";
// The SDK's vocabulary (a plain module without imports), read from its source.
import { CASE_STATUSES, PRIORITIES as SCALE, VERDICTS } from "../../src/sdk/vocabulary.js";
import { defang } from "../../src/indicators/defang.js";

export { defang };

export function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="small"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        );
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      <FormattedMessage id={copied ? "common.copied" : "common.copy"} />
    </button>
  );
}

/** The priority scale, highest first (as the console lists it). */
export const PRIORITIES = [...SCALE].reverse();
export const STATUSES = CASE_STATUSES;

export function PriorityBadge({ value }: { value: number }) {
  return (
    <span className={`badge priority-${value < 0 ? "info" : value}`}>
      <FormattedMessage id={`priority.${value}` as MessageId} defaultMessage={String(value)} />
    </span>
  );
}

export function StatusBadge({ value }: { value: string }) {
  return (
    <span className={`badge status-${value}`}>
      <FormattedMessage id={`status.${value}` as MessageId} defaultMessage={value} />
    </span>
  );
}

export { VERDICTS };

// A <select>'s options for a case's status, priority (highest first) or verdict, each in the reader's language.
export function StatusOptions() {
  const intl = useIntl();
  return STATUSES.map((s) => (
    <option key={s} value={s}>
      {intl.formatMessage({ id: `status.${s}` })}
    </option>
  ));
}

export function PriorityOptions() {
  const intl = useIntl();
  return PRIORITIES.map((p) => (
    <option key={p} value={p}>
      {intl.formatMessage({ id: `priority.${p}` as "priority.60" })}
    </option>
  ));
}

export function VerdictOptions() {
  const intl = useIntl();
  return VERDICTS.map((v) => (
    <option key={v} value={v}>
      {intl.formatMessage({ id: `verdict.${v}` })}
    </option>
  ));
}

export function VerdictBadge({ value }: { value: string }) {
  return (
    <span className={`badge verdict-${value}`} data-verdict={value}>
      <FormattedMessage id={`verdict.${value}` as MessageId} defaultMessage={value} />
    </span>
  );
}

export function RunStatus({ value }: { value: string }) {
  return (
    <span className={`badge run-${value}`}>
      <FormattedMessage id={`runs.status.${value}` as MessageId} defaultMessage={value} />
    </span>
  );
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
];

export function Age({ time }: { time: number }) {
  const intl = useIntl();
  const delta = time - Date.now();
  const [unit, size] = UNITS.find(([, ms]) => Math.abs(delta) >= ms) ?? ["second", 1000];
  return (
    <time dateTime={new Date(time).toISOString()} title={intl.formatDate(time, { dateStyle: "medium", timeStyle: "medium" })}>
      {intl.formatRelativeTime(Math.round(delta / size), unit, { numeric: "auto" })}
    </time>
  );
}

export function When({ time }: { time: number | null | undefined }) {
  const intl = useIntl();
  if (!time) return null;
  return <time dateTime={new Date(time).toISOString()}>{intl.formatDate(time, { dateStyle: "medium", timeStyle: "medium" })}</time>;
}

/** Any field value as text: objects and arrays as JSON, never as markup. */
export function fieldText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
