// Checks a playbook as a whole and names every problem: the model, ids, else-jumps that only go forward, and
// each step as its kind checks it (steps/: actions and their parameters, placeholders that read only earlier steps).
import type { ParameterDefinition } from "../catalog/package.js";
import { PlaybookInvalid } from "../errors.js";
import { playbookSchema, type Playbook } from "./schema.js";
import { jobStepsOf, stepKindOf } from "./steps/index.js";

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
    return {
      problems: parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(top level)"}: ${issue.message}`),
    };
  }
  const playbook = parsed.data;
  const problems: string[] = [];
  const steps = playbook.steps;
  // Where each step runs: its top-level position (a group's members share the group's).
  const position = new Map<string, number>();
  steps.forEach((step, index) => {
    const members = jobStepsOf(step).map((member) => member.id);
    for (const id of members.includes(step.id) ? members : [step.id, ...members]) {
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
    await stepKindOf(step).validate(step, index, { findAction, problems, earlier, declared });
    // Only a step that runs as a job of its own may jump: a group's members have no else (their kind says so).
    const jump = (step as { else?: string }).else;
    if (jump !== undefined) {
      if (!(step as { when?: unknown }).when) problems.push(`step "${step.id}": else without when`);
      if (jump !== "end") {
        const target = position.get(jump);
        if (target === undefined) problems.push(`step "${step.id}": else names no step "${jump}" (a later step's id, or "end")`);
        else if (target <= index) problems.push(`step "${step.id}": else jumps back to "${jump}": a loop (else goes forward only)`);
        else if (steps[target]!.id !== jump) {
          problems.push(`step "${step.id}": else names "${jump}" inside a parallel group: name the group`);
        }
      }
    }
  }
  return problems.length ? { problems } : { playbook, problems };
}

/** PLAYBOOK_INVALID with its problems one by one (the API answers them as a list). */
export class PlaybookInvalidError extends PlaybookInvalid {
  constructor(
    readonly problems: string[],
    origin: string,
  ) {
    super(origin, problems.length, problems.join("; "));
  }
}

/** The playbook, or PLAYBOOK_INVALID naming every problem; `origin` names the document (a file, or the playbook). */
export async function validatePlaybook(document: unknown, findAction: ActionLookup, origin?: string): Promise<Playbook> {
  const { playbook, problems } = await checkPlaybook(document, findAction);
  if (!playbook) {
    const name = (document as { name?: unknown } | null)?.name;
    throw new PlaybookInvalidError(
      problems,
      origin ?? (typeof name === "string" ? `playbook ${JSON.stringify(name.slice(0, 100))}` : "the playbook"),
    );
  }
  return playbook;
}
