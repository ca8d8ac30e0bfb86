// Validates connector parameter values against their definitions, naming every problem.
import { ParameterError } from "../../sdk/errors.js";
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
      problems.push(`missing required parameter "${definition.name}"${definition.requiredUnless ? ` (or "${definition.requiredUnless}")` : ""}`);
    }
  }
  if (problems.length) throw new ParameterError(problems.join("; "));
  return out;
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
