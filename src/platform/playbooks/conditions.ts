// A step's `when`: one comparison of an earlier step's result value or JSON path with a text, in linear time.
import type { Condition } from "./schema.js";
import { asText, valueAtPath, type StepResult } from "./placeholders.js";

/** The dot path of a condition's `path` ("a.b.0"), as the placeholders' JsonResult path. */
export function conditionPath(condition: Condition): string[] | undefined {
  return condition.path === undefined || condition.path === "" ? undefined : condition.path.split(".");
}

/**
 * True when the step named completed and its value compares as asked. A step that did not complete
 * (skipped, failed, not reached) makes every condition on it false: its else path is taken.
 */
export function evaluateCondition(condition: Condition, completed: ReadonlyMap<string, StepResult>): boolean {
  const result = completed.get(condition.step);
  if (!result) return false;
  const path = conditionPath(condition);
  const value = asText(path ? valueAtPath(result.json, path) : result.resultValue);
  if (condition.resultValue !== undefined) return value === condition.resultValue;
  if (condition.equals !== undefined) return value === condition.equals;
  if (condition.notEquals !== undefined) return value !== condition.notEquals;
  return value.includes(condition.contains!);
}
