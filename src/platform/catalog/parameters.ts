// Validates connector parameter values against their definitions, naming every problem.
import { ParameterError } from "../../sdk/errors.js";
import type { SecretBox } from "../secrets/index.js";
import type { ParameterDefinition } from "./package.js";

export type ParameterValue = string | number | boolean;

function normalise(definition: ParameterDefinition, value: unknown): { value?: ParameterValue; problem?: string } {
  const name = definition.name;
  switch (definition.type) {
    case "int": {
      const number = typeof value === "number" ? value : typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(number)) return { problem: `parameter "${name}" must be an integer, got ${JSON.stringify(value)}` };
      return { value: number };
    }
    case "boolean": {
      if (typeof value === "boolean") return { value };
      if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return { value: value.trim().toLowerCase() === "true" };
      return { problem: `parameter "${name}" must be true or false, got ${JSON.stringify(value)}` };
    }
    default: {
      if (typeof value !== "string") return { problem: `parameter "${name}" must be a string, got ${JSON.stringify(value)}` };
      if (value.length > 10_000) return { problem: `parameter "${name}" is longer than 10000 characters` };
      // A file is named by an admin, never filled in from an event (a subject could name any path).
      if (definition.type === "file" && /\[[^\]]*\]/.test(value))
        return { problem: `file parameter "${name}" may not hold a placeholder ([…]), got ${JSON.stringify(value)}` };
      return { value };
    }
  }
}

/**
 * Checks a set of values: every required parameter has a value (its own or its default), none is
 * unknown, each has its type. Returns the normalised values (only those given); throws a
 * ParameterError that names every problem at once.
 */
export function validateParameterValues(
  definitions: ParameterDefinition[],
  values: Record<string, unknown>,
): Record<string, ParameterValue> {
  const problems: string[] = [];
  const known = new Map(definitions.map((d) => [d.name, d]));
  const out: Record<string, ParameterValue> = {};
  for (const [name, value] of Object.entries(values)) {
    const definition = known.get(name);
    if (!definition) {
      problems.push(`unknown parameter "${name}" (known: ${definitions.map((d) => d.name).join(", ")})`);
      continue;
    }
    if (value === null || value === undefined || value === "") continue;
    const result = normalise(definition, value);
    if (result.problem) problems.push(result.problem);
    else out[name] = result.value!;
  }
  for (const definition of definitions) {
    const excused = definition.requiredUnless !== undefined && out[definition.requiredUnless] !== undefined;
    if (definition.required && !excused && out[definition.name] === undefined && definition.default === undefined) {
      problems.push(
        `missing required parameter "${definition.name}"${definition.requiredUnless ? ` (or "${definition.requiredUnless}")` : ""}`,
      );
    }
  }
  if (problems.length) throw new ParameterError(problems.join("; "));
  return out;
}

/**
 * The parameters a configuration leaves empty while their requiredWhen condition holds, each named with
 * its condition. `values`: the configuration with the defaults applied (what a run would see).
 */
export function requiredWhenProblems(definitions: ParameterDefinition[], values: Record<string, ParameterValue>): string[] {
  const problems: string[] = [];
  for (const definition of definitions) {
    const condition = definition.requiredWhen;
    if (!condition) continue;
    const holds =
      String(values[condition.param] ?? "")
        .trim()
        .toLowerCase() === condition.equals.trim().toLowerCase();
    if (holds && String(values[definition.name] ?? "").trim() === "") {
      problems.push(`"${definition.name}" is required when "${condition.param}" is ${JSON.stringify(condition.equals)}`);
    }
  }
  return problems;
}

/** The values a run sees: the defaults, overridden by the values set on the instance. */
export function withDefaults(definitions: ParameterDefinition[], values: Record<string, ParameterValue>): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  for (const definition of definitions) {
    const value = values[definition.name] ?? definition.default;
    if (value !== undefined) out[definition.name] = value;
  }
  return out;
}

export function secretParameterNames(definitions: ParameterDefinition[]): string[] {
  return definitions.filter((d) => d.type === "password").map((d) => d.name);
}

/**
 * Validates new values for stored ones, secrets write-only: a password left out or empty keeps its stored
 * value. Returns the values to store, secret ones encrypted.
 */
export function sealParameterValues(
  definitions: ParameterDefinition[],
  given: Record<string, unknown>,
  stored: Record<string, ParameterValue> | undefined,
  secrets: SecretBox,
): Record<string, ParameterValue> {
  const values = { ...given };
  const secretNames = secretParameterNames(definitions);
  for (const name of secretNames) {
    if ((values[name] === undefined || values[name] === "") && typeof stored?.[name] === "string")
      values[name] = secrets.decrypt(stored[name]);
  }
  const valid = validateParameterValues(definitions, values);
  for (const name of secretNames) {
    if (typeof valid[name] === "string") valid[name] = secrets.encrypt(valid[name]);
  }
  return valid;
}

/** Stored values as code receives them: the defaults applied, secrets decrypted. */
export function openParameterValues(
  definitions: ParameterDefinition[],
  stored: Record<string, ParameterValue>,
  secrets: SecretBox,
): Record<string, ParameterValue> {
  const values = withDefaults(definitions, stored);
  for (const name of secretParameterNames(definitions)) {
    if (typeof values[name] === "string") values[name] = secrets.decrypt(values[name]);
  }
  return values;
}

/** Stored values fit to show: the defaults applied, each secret that is set replaced by `mark`. */
export function maskParameterValues(
  definitions: ParameterDefinition[],
  stored: Record<string, ParameterValue>,
  mark: string,
): Record<string, ParameterValue> {
  const values = withDefaults(definitions, stored);
  for (const name of secretParameterNames(definitions)) {
    if (values[name] !== undefined) values[name] = mark;
  }
  return values;
}
