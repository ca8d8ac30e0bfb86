// Checks a playbook as a whole and names every problem: the model, ids, actions and their parameters,
// placeholders and conditions that read only earlier steps, else-jumps that only go forward.
import type { ParameterDefinition } from "../catalog/package.js";
import { validateParameterValues } from "../catalog/parameters.js";
import { PlaybookInvalid } from "../errors.js";
import { isParallel, MAX_PARALLEL, playbookSchema, type ActionStep, type Playbook } from "./schema.js";
import { parsePlaceholders } from "./placeholders.js";

/** What validation needs to know of an action: found by "Integration/Action", its parameter definitions. */
export type ActionLookup = (reference: string) => Promise<{ parameters: ParameterDefinition[] } | undefined>;

export interface Validation {
  playbook?: Playbook;
  problems: string[];
}

/** Every problem of a playbook document; `playbook` is set when there is none. */
export async function checkPlaybook(document: unknown, findAction: ActionLookup): Promise<Validation> {
  const parsed = playbookSchema.safeParse(document);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(top level)"}: ${issue.message}`) };
  }
  const playbook = parsed.data;
  const problems: string[] = [];
  const steps = playbook.steps;
  // Where each step runs: its top-level position (a group's members share the group's).
  const position = new Map<string, number>();
  steps.forEach((step, index) => {
    for (const id of isParallel(step) ? [step.id, ...step.parallel.map((member) => member.id)] : [step.id]) {
      if (position.has(id)) problems.push(`step "${id}": the id is used twice`);
      else position.set(id, index);
    }
  });
  const earlier = (where: string, id: string, index: number) => {
    const at = position.get(id);
    if (at === undefined) problems.push(`${where}: no step "${id}"`);
    else if (at >= index) problems.push(`${where}: step "${id}" does not come earlier`);
  };

  const declared = new Set((playbook.parameters ?? []).map((parameter) => parameter.name));
  for (const [index, step] of steps.entries()) {
    if (isParallel(step)) {
      if (step.parallel.length > MAX_PARALLEL) problems.push(`step "${step.id}": a parallel group runs at most ${MAX_PARALLEL} actions, it has ${step.parallel.length}`);
      for (const member of step.parallel) {
        if (member.else !== undefined) problems.push(`step "${member.id}": a step in a parallel group has no else (its group goes on to the next step)`);
        await checkActionStep(member, index, { findAction, problems, earlier, declared });
      }
      continue;
    }
    await checkActionStep(step, index, { findAction, problems, earlier, declared });
    if (step.else !== undefined) {
      if (!step.when) problems.push(`step "${step.id}": else without when`);
      if (step.else !== "end") {
        const target = position.get(step.else);
        if (target === undefined) problems.push(`step "${step.id}": else names no step "${step.else}" (a later step's id, or "end")`);
        else if (target <= index) problems.push(`step "${step.id}": else jumps back to "${step.else}": a loop (else goes forward only)`);
        else if (steps[target]!.id !== step.else) problems.push(`step "${step.id}": else names "${step.else}" inside a parallel group: name the group`);
      }
    }
  }
  return problems.length ? { problems } : { playbook, problems };
}

interface StepCheck {
  findAction: ActionLookup;
  problems: string[];
  /** Adds a problem unless the step named runs before the top-level position given. */
  earlier: (where: string, id: string, index: number) => void;
  /** The playbook's own parameters, read as [Playbook.<name>]. */
  declared: ReadonlySet<string>;
}

async function checkActionStep(step: ActionStep, index: number, { findAction, problems, earlier, declared }: StepCheck): Promise<void> {
  const where = `step "${step.id}"`;
  if (step.when) earlier(`${where}: when`, step.when.step, index);
  const params = step.params ?? {};
  const literals: Record<string, string> = {};
  for (const [name, text] of Object.entries(params)) {
    const found: string[] = [];
    const segments = parsePlaceholders(text, found);
    for (const problem of found) problems.push(`${where}: parameter "${name}": ${problem}`);
    for (const segment of segments) {
      if (!("placeholder" in segment)) continue;
      const { placeholder } = segment;
      if (placeholder.kind === "step") earlier(`${where}: parameter "${name}": ${segment.source}`, placeholder.step, index);
      if (placeholder.kind === "playbook" && !declared.has(placeholder.field)) problems.push(`${where}: parameter "${name}": ${segment.source}: the playbook declares no parameter "${placeholder.field}"`);
    }
    if (segments.every((segment) => "text" in segment)) literals[name] = text;
  }
  const action = await findAction(step.action);
  if (!action) {
    problems.push(`${where}: unknown action "${step.action}"`);
    return;
  }
  const known = new Map(action.parameters.map((definition) => [definition.name, definition]));
  for (const name of Object.keys(params)) {
    if (!known.has(name)) problems.push(`${where}: unknown parameter "${name}" of ${step.action} (known: ${[...known.keys()].join(", ") || "none"})`);
    // A file is named by an admin's saved configuration only: never a step's (a placeholder could name any path).
    else if (known.get(name)!.type === "file") problems.push(`${where}: file parameter "${name}" of ${step.action} may not be set by a playbook step${/\[[^\]]*\]/.test(String(params[name])) ? " (and never from a placeholder)" : ""}`);
  }
  for (const definition of action.parameters) {
    if (definition.required && definition.default === undefined && !definition.requiredUnless && (params[definition.name] ?? "") === "") {
      problems.push(`${where}: missing required parameter "${definition.name}" of ${step.action}`);
    }
  }
  // Types of the literal values now; a value with placeholders is checked when the step runs.
  const typed = action.parameters.filter((definition) => Object.hasOwn(literals, definition.name)).map((definition) => ({ ...definition, required: false }));
  try {
    validateParameterValues(typed, Object.fromEntries(Object.entries(literals).filter(([name]) => known.has(name))));
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
  }
}

/** PLAYBOOK_INVALID with its problems one by one (the API answers them as a list). */
export class PlaybookInvalidError extends PlaybookInvalid {
  constructor(readonly problems: string[], origin: string) {
    super(origin, problems.length, problems.join("; "));
  }
}

/** The playbook, or PLAYBOOK_INVALID naming every problem; `origin` names the document (a file, or the playbook). */
export async function validatePlaybook(document: unknown, findAction: ActionLookup, origin?: string): Promise<Playbook> {
  const { playbook, problems } = await checkPlaybook(document, findAction);
  if (!playbook) {
    const name = (document as { name?: unknown } | null)?.name;
    throw new PlaybookInvalidError(problems, origin ?? (typeof name === "string" ? `playbook ${JSON.stringify(name.slice(0, 100))}` : "the playbook"));
  }
  return playbook;
}
