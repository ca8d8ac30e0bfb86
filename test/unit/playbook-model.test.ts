// Playbook placeholders, conditions and validation: each problem named, no backtracking on hostile text.
import { describe, expect, it } from "vitest";
import { parsePlaceholders, resolvePlaceholders, type PlaceholderContext } from "../../src/platform/playbooks/placeholders.js";
import { evaluateCondition } from "../../src/platform/playbooks/conditions.js";
import { checkPlaybook, validatePlaybook, type ActionLookup } from "../../src/platform/playbooks/validate.js";
import type { ParameterDefinition } from "../../src/platform/catalog/package.js";

const context: PlaceholderContext = {
  case: { id: 7, title: "Invoice overdue", priority: 80 },
  event: { subject: "Pay now", from: "a@b.example", count: 3 },
  playbook: { Language: "ko" },
  steps: new Map([
    ["look", { resultValue: true, json: { seen: ["http://x.example/"], score: { value: 9 }, list: [{ name: "first" }] } }],
    ["count", { resultValue: 3, json: null }],
  ]),
};

describe("placeholders", () => {
  it("replaces case, event, playbook and step placeholders and keeps other brackets as text", () => {
    expect(resolvePlaceholders("[Case.Title] #[Case.Id] p[Case.Priority]", context)).toBe("Invoice overdue #7 p80");
    expect(resolvePlaceholders("[Event.subject] from [Event.from] ([Event.count])", context)).toBe("Pay now from a@b.example (3)");
    expect(resolvePlaceholders("[Step.look.ResultValue]/[Step.count.ResultValue]", context)).toBe("true/3");
    expect(resolvePlaceholders("[Step.look.JsonResult.score.value] [Step.look.JsonResult.list.0.name]", context)).toBe("9 first");
    expect(resolvePlaceholders("[Step.look.JsonResult.seen]", context)).toBe('["http://x.example/"]');
    expect(resolvePlaceholders("[Playbook.Language]", context)).toBe("ko");
    expect(resolvePlaceholders("[not a placeholder] [x] [[Case.Id]] ]", context)).toBe("[not a placeholder] [x] [7] ]");
  });

  it("gives empty text for a step that did not run, a missing field or path", () => {
    expect(
      resolvePlaceholders(
        "<[Step.gone.ResultValue]><[Event.nothing]><[Step.look.JsonResult.score.none]><[Step.look.JsonResult.toString]>",
        context,
      ),
    ).toBe("<><><><>");
  });

  it("names a placeholder it cannot read", () => {
    const problems: string[] = [];
    parsePlaceholders("[Case.Owner] [Step.look] [Step.look.JsonResult..a] [Event.]", problems);
    expect(problems).toEqual([
      "placeholder [Case.Owner]: a case has Id, Title and Priority",
      "placeholder [Step.look]: use [Step.<id>.ResultValue] or [Step.<id>.JsonResult.<path>]",
      "placeholder [Step.look.JsonResult..a]: use [Step.<id>.ResultValue] or [Step.<id>.JsonResult.<path>]",
      "placeholder [Event.]: name the field, as [Event.name]",
    ]);
  });

  it("scans hostile text in linear time", () => {
    // A backtracking pattern would take seconds on these; the bound is generous for a slow machine.
    const texts = [
      "[".repeat(200_000),
      "[Case.".repeat(50_000),
      `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
      `${"[Step.a.JsonResult.".repeat(40_000)}]`,
    ];
    const started = performance.now();
    for (const text of texts) resolvePlaceholders(text, context);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("conditions", () => {
  it("compares a result value or a JSON path as text", () => {
    expect(evaluateCondition({ step: "look", resultValue: "true" }, context.steps)).toBe(true);
    expect(evaluateCondition({ step: "look", resultValue: "false" }, context.steps)).toBe(false);
    expect(evaluateCondition({ step: "count", equals: "3" }, context.steps)).toBe(true);
    expect(evaluateCondition({ step: "count", notEquals: "3" }, context.steps)).toBe(false);
    expect(evaluateCondition({ step: "look", path: "score.value", equals: "9" }, context.steps)).toBe(true);
    expect(evaluateCondition({ step: "look", path: "seen", contains: "x.example" }, context.steps)).toBe(true);
    expect(evaluateCondition({ step: "look", path: "seen", contains: "y.example" }, context.steps)).toBe(false);
  });

  it("is false on a step that did not complete, whatever the comparison", () => {
    expect(evaluateCondition({ step: "gone", notEquals: "x" }, context.steps)).toBe(false);
  });
});

const parameter = (name: string, extra: Partial<ParameterDefinition> = {}) =>
  ({ name, type: "string", required: false, ...extra }) as ParameterDefinition;
const actions: Record<string, ParameterDefinition[]> = {
  "my-integration/lookup": [parameter("Limit", { type: "int" })],
  "my-integration/flag": [parameter("Note", { required: true })],
};
const findAction: ActionLookup = async (reference) => {
  const parameters = actions[reference.toLowerCase()];
  return parameters ? { parameters } : undefined;
};

describe("validation", () => {
  it("accepts docs/interfaces.md's example as is", async () => {
    const playbook = await validatePlaybook(
      {
        name: "enrich",
        trigger: { event: "case_created", connector: "reports" },
        steps: [
          { id: "look", action: "my-integration/Lookup", params: { Limit: "3" } },
          {
            id: "flag",
            action: "my-integration/Flag",
            when: { step: "look", resultValue: "true" },
            params: { Note: "[Case.Title] [Step.look.ResultValue]" },
          },
        ],
      },
      findAction,
    );
    expect(playbook.steps).toHaveLength(2);
  });

  it("names every problem at once", async () => {
    const { playbook, problems } = await checkPlaybook(
      {
        name: "bad",
        trigger: { event: "case_created" },
        steps: [
          { id: "a", action: "my-integration/Nothing" },
          {
            id: "b",
            action: "my-integration/Flag",
            params: { Colour: "red", Note: "[Step.c.ResultValue] [Playbook.Missing]" },
            when: { step: "b", equals: "x" },
            else: "a",
          },
          { id: "c", action: "my-integration/Lookup", params: { Limit: "many" } },
          { id: "g", parallel: Array.from({ length: 6 }, (_, index) => ({ id: `p${index}`, action: "my-integration/Lookup" })) },
          { id: "c", action: "my-integration/Flag", params: {} },
        ],
      },
      findAction,
    );
    expect(playbook).toBeUndefined();
    expect(problems).toEqual([
      'step "c": the id is used twice',
      'step "a": unknown action "my-integration/Nothing"',
      'step "b": when: step "b" does not come earlier',
      'step "b": parameter "Note": [Step.c.ResultValue]: step "c" does not come earlier',
      'step "b": parameter "Note": [Playbook.Missing]: the playbook declares no parameter "Missing"',
      'step "b": unknown parameter "Colour" of my-integration/Flag (known: Note)',
      'step "b": else jumps back to "a": a loop (else goes forward only)',
      'step "c": parameter "Limit" must be an integer, got "many"',
      'step "g": a parallel group runs at most 5 actions, it has 6',
      'step "c": missing required parameter "Note" of my-integration/Flag',
    ]);
  });

  it("refuses a document that is not a playbook, naming the field", async () => {
    await expect(validatePlaybook({ name: "x", trigger: { event: "case_updated" }, steps: [] }, findAction)).rejects.toMatchObject({
      code: "PLAYBOOK_INVALID",
      problems: [expect.stringMatching(/^trigger\.event: /), expect.stringMatching(/^steps: /)],
    });
  });

  it("refuses an else that names no step or a step inside a group, and an else without when", async () => {
    const { problems } = await checkPlaybook(
      {
        name: "jumps",
        trigger: { event: "case_created" },
        steps: [
          { id: "a", action: "my-integration/Lookup", else: "end" },
          { id: "b", action: "my-integration/Lookup", when: { step: "a", equals: "1" }, else: "nowhere" },
          { id: "c", action: "my-integration/Lookup", when: { step: "a", equals: "1" }, else: "p" },
          { id: "g", parallel: [{ id: "p", action: "my-integration/Lookup" }] },
        ],
      },
      findAction,
    );
    expect(problems).toEqual([
      'step "a": else without when',
      'step "b": else names no step "nowhere" (a later step\'s id, or "end")',
      'step "c": else names "p" inside a parallel group: name the group',
    ]);
  });
});
