// Placeholders in step parameters ([Case.Title], [Event.field], [Step.id.ResultValue], [Step.id.JsonResult.a.b]):
// a hand-written scanner, linear in the text's length, so no parameter can make it backtrack.

export type Placeholder =
  | { kind: "case"; field: "Id" | "Title" | "Priority" }
  | { kind: "event"; field: string }
  | { kind: "playbook"; field: string }
  | { kind: "step"; step: string; field: "ResultValue" }
  | { kind: "step"; step: string; field: "JsonResult"; path: string[] };

export type Segment = { text: string } | { placeholder: Placeholder; source: string };

/** What placeholders read: the case, the first event of its first alert, the results of earlier steps. */
export interface PlaceholderContext {
  case: { id: number; title: string; priority: number };
  event?: Record<string, unknown>;
  /** The playbook's configured parameters, defaults applied. */
  playbook?: Record<string, unknown>;
  steps: ReadonlyMap<string, StepResult>;
}

export interface StepResult {
  resultValue: unknown;
  json: unknown;
}

const CASE_FIELDS = new Set(["Id", "Title", "Priority"]);
/** Longest text kept from a resolved value: a JSON result can be large. */
const MAX_VALUE = 10_000;

/**
 * Splits a text into literal text and placeholders. A bracket that does not open `[Case.`, `[Event.`,
 * `[Playbook.` or `[Step.` is literal text; one that does must name a known field, else `problems` says which.
 */
export function parsePlaceholders(text: string, problems: string[] = []): Segment[] {
  const segments: Segment[] = [];
  let literal = "";
  let index = 0;
  // The next "]" at or after the scan, found once and reused: each character is looked at a bounded number of times.
  let close = -2;
  while (index < text.length) {
    const open = text.indexOf("[", index);
    if (open < 0) break;
    if (close < open) close = text.indexOf("]", open);
    if (close < 0) break;
    const inner = text.slice(open + 1, close);
    const prefix = inner.slice(0, inner.indexOf(".") + 1);
    if (prefix !== "Case." && prefix !== "Event." && prefix !== "Playbook." && prefix !== "Step.") {
      literal += text.slice(index, open + 1);
      index = open + 1;
      continue;
    }
    const placeholder = readPlaceholder(inner, problems);
    literal += text.slice(index, open);
    if (placeholder) {
      if (literal) segments.push({ text: literal });
      literal = "";
      segments.push({ placeholder, source: `[${inner}]` });
    }
    index = close + 1;
  }
  literal += text.slice(index);
  if (literal) segments.push({ text: literal });
  return segments;
}

function readPlaceholder(inner: string, problems: string[]): Placeholder | undefined {
  const parts = inner.split(".");
  const [head, second, third, ...rest] = parts;
  if (head === "Case") {
    if (parts.length === 2 && CASE_FIELDS.has(second!)) return { kind: "case", field: second as "Id" | "Title" | "Priority" };
    problems.push(`placeholder [${inner}]: a case has Id, Title and Priority`);
    return undefined;
  }
  if (head === "Event" || head === "Playbook") {
    const field = inner.slice(head.length + 1);
    if (field) return { kind: head === "Event" ? "event" : "playbook", field };
    problems.push(`placeholder [${inner}]: name the field, as [${head}.name]`);
    return undefined;
  }
  if (second && third === "ResultValue" && rest.length === 0) return { kind: "step", step: second, field: "ResultValue" };
  if (second && third === "JsonResult") {
    if (rest.every((segment) => segment !== "")) return { kind: "step", step: second, field: "JsonResult", path: rest };
  }
  problems.push(`placeholder [${inner}]: use [Step.<id>.ResultValue] or [Step.<id>.JsonResult.<path>]`);
  return undefined;
}

/** The value at a dot path of a JSON value (array items by their index); undefined when absent. */
export function valueAtPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** A value as the text a parameter or a condition sees: absent and null are empty, objects their JSON. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.length > MAX_VALUE ? text.slice(0, MAX_VALUE) : text;
}

function resolveOne(placeholder: Placeholder, context: PlaceholderContext): unknown {
  switch (placeholder.kind) {
    case "case":
      return placeholder.field === "Id" ? context.case.id : placeholder.field === "Title" ? context.case.title : context.case.priority;
    case "event":
      return context.event && Object.hasOwn(context.event, placeholder.field) ? context.event[placeholder.field] : undefined;
    case "playbook":
      return context.playbook && Object.hasOwn(context.playbook, placeholder.field) ? context.playbook[placeholder.field] : undefined;
    case "step": {
      const result = context.steps.get(placeholder.step);
      if (!result) return undefined;
      return placeholder.field === "ResultValue" ? result.resultValue : valueAtPath(result.json, placeholder.path);
    }
  }
}

/** A parameter's text with its placeholders replaced; a step that did not run (or a missing field) gives "". */
export function resolvePlaceholders(text: string, context: PlaceholderContext): string {
  return parsePlaceholders(text)
    .map((segment) => ("text" in segment ? segment.text : asText(resolveOne(segment.placeholder, context))))
    .join("");
}

/** The steps a text's placeholders read. */
export function stepsReferenced(text: string, problems: string[] = []): string[] {
  return parsePlaceholders(text, problems).flatMap((segment) =>
    "placeholder" in segment && segment.placeholder.kind === "step" ? [segment.placeholder.step] : [],
  );
}
