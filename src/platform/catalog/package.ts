// Reads and validates an integration package folder (docs/interfaces.md, "Integration packages"): integration.json, and any of
// connectors/NAME.json|ts, actions/NAME.json|ts, jobs/NAME.json|ts and playbooks/NAME.json (at least one).
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { PackageInvalid } from "../errors.js";

import { PARAMETER_TYPES } from "../../sdk/parameter-types.js";
import { ENTITY_TYPES } from "../../sdk/entity-types.js";

export { PARAMETER_TYPES, type ParameterType } from "../../sdk/parameter-types.js";

const parameterSchema = z
  .object({
    name: z.string().min(1).max(200),
    type: z.enum(PARAMETER_TYPES),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    required: z.boolean().optional(),
    /** Required, except when this other parameter has a value (a password, unless OAuth2 is set up). */
    requiredUnless: z.string().min(1).optional(),
    /** Required when another parameter has this value (checked on a configuration an admin submits, not on the defaults). */
    requiredWhen: z
      .object({ param: z.string().min(1).max(200), equals: z.string().max(1000) })
      .strict()
      .optional(),
    description: z.string().max(2000).optional(),
  })
  .strict();

export const parametersSchema = z
  .array(parameterSchema)
  .max(200)
  .superRefine((parameters, context) => {
    const seen = new Set<string>();
    parameters.forEach((parameter, index) => {
      if (seen.has(parameter.name)) {
        context.addIssue({ code: "custom", path: [index, "name"], message: `duplicate parameter "${parameter.name}"` });
      }
      seen.add(parameter.name);
    });
    parameters.forEach((parameter, index) => {
      const other = parameter.requiredWhen?.param;
      if (other !== undefined && (other === parameter.name || !parameters.some((each) => each.name === other))) {
        context.addIssue({
          code: "custom",
          path: [index, "requiredWhen", "param"],
          message: `requiredWhen names "${other}", which is not another parameter of the list`,
        });
      }
    });
  });

const integrationSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(5000),
    icon: z
      .string()
      .regex(/^[\w.-]+\.(svg|png)$/i, "an SVG or PNG file name beside integration.json")
      .optional(),
    dependencies: z.record(z.string().regex(/^(@[\w.-]+\/)?[\w.-]+$/, "an npm package name"), z.string().min(1)).optional(),
    parameters: parametersSchema.optional(),
  })
  .strict();

/** Most event fields a connector may map to entities. */
export const MAX_MAPPED_FIELDS = 50;

// Fields that connectors, actions and jobs declare alike.
/** Seconds between runs: a week at the most. */
const intervalSeconds = z
  .number()
  .int()
  .min(1)
  .max(86_400 * 7);
const timeoutSeconds = z.number().int().min(1).max(86_400);
/** Heap cap of the code's process in MB (default 1024): one that needs more fails alone. */
const memoryMb = z.number().int().min(32).max(16_384).optional();

const connectorSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(5000),
    parameters: parametersSchema,
    productFieldName: z.string().min(1),
    eventFieldName: z.string().min(1),
    intervalSeconds,
    timeoutSeconds,
    memoryMb,
    /** Event field → entity type: ingest adds an entity per mapped field of each event (SecOps' ontology mapping, in small). */
    entityMapping: z
      .record(
        z.string().min(1).max(200),
        z.enum(ENTITY_TYPES, { error: (issue) => `${JSON.stringify(issue.input)} is not an entity type (${ENTITY_TYPES.join(", ")})` }),
      )
      .refine((mapping) => Object.keys(mapping).length <= MAX_MAPPED_FIELDS, `at most ${MAX_MAPPED_FIELDS} mapped fields`)
      .optional(),
  })
  .strict();

const actionSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(5000),
    parameters: parametersSchema,
    /** The case's entities it runs on; none: a case-level action. */
    entityTypes: z.array(z.enum(ENTITY_TYPES)).max(ENTITY_TYPES.length).optional(),
    /** Only an admin may run it by hand (it changes things outside Intake: staff mailboxes); playbooks may, by approval. */
    adminOnly: z.boolean().optional(),
    timeoutSeconds,
    memoryMb,
  })
  .strict();

const jobSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(5000),
    parameters: parametersSchema,
    intervalSeconds,
    timeoutSeconds,
    memoryMb,
  })
  .strict();

export type ParameterDefinition = z.infer<typeof parameterSchema>;

/** What every kind of code of a package has: NAME of KIND/NAME.json, and its KIND/NAME.ts. */
export interface CodeDefinition {
  name: string;
  parameters: ParameterDefinition[];
  timeoutSeconds: number;
  memoryMb?: number | undefined;
  fileBase: string;
  sourceFile: string;
}

export type CodeKind = "connector" | "action" | "job";

export interface ConnectorDefinition extends z.infer<typeof connectorSchema> {
  /** NAME of connectors/NAME.json. */
  fileBase: string;
  sourceFile: string;
}

export interface ActionDefinition extends z.infer<typeof actionSchema> {
  fileBase: string;
  sourceFile: string;
}

export interface JobDefinition extends z.infer<typeof jobSchema> {
  fileBase: string;
  sourceFile: string;
}

export interface IntegrationDefinition {
  name: string;
  /** Folder name: the short name used on the command line (`--integration email`). */
  slug: string;
  dir: string;
  description: string;
  iconFile?: string;
  dependencies: Record<string, string>;
  parameters: ParameterDefinition[];
  connectors: ConnectorDefinition[];
  actions: ActionDefinition[];
  jobs: JobDefinition[];
  /** Absolute paths of playbooks/*.json (imported with the integration). */
  playbookFiles: string[];
  builtin: boolean;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new PackageInvalid(`${file}: file is missing`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PackageInvalid(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join(".") : "(top level)";
    return `${where}: ${issue.message}`;
  });
  throw new PackageInvalid(`${file}: ${problems.join("; ")}`);
}

export function loadIntegrationPackage(dir: string, options: { builtin?: boolean } = {}): IntegrationDefinition {
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new PackageInvalid(`${root}: not a folder`);
  const integrationFile = path.join(root, "integration.json");
  const integration = check(integrationSchema, readJson(integrationFile), integrationFile);
  if (integration.icon && !fs.existsSync(path.join(root, integration.icon))) {
    throw new PackageInvalid(`${integrationFile}: icon: file ${integration.icon} is not beside integration.json`);
  }
  const connectors = loadDefinitions(root, "connectors", connectorSchema);
  const actions = loadDefinitions(root, "actions", actionSchema);
  const jobs = loadDefinitions(root, "jobs", jobSchema);
  const playbooksDir = path.join(root, "playbooks");
  const playbookFiles = listJson(playbooksDir).map((file) => path.join(playbooksDir, file));
  if (connectors.length + actions.length + jobs.length + playbookFiles.length === 0) {
    throw new PackageInvalid(
      `${root}: no connectors/NAME.json, actions/NAME.json, jobs/NAME.json or playbooks/NAME.json (at least one is needed)`,
    );
  }
  return {
    name: integration.name,
    slug: path.basename(root),
    dir: root,
    description: integration.description,
    ...(integration.icon ? { iconFile: integration.icon } : {}),
    dependencies: integration.dependencies ?? {},
    parameters: integration.parameters ?? [],
    connectors,
    actions,
    jobs,
    playbookFiles,
    builtin: options.builtin ?? false,
  };
}

function listJson(dir: string): string[] {
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
    : [];
}

/** Reads FOLDER/NAME.json with its FOLDER/NAME.ts beside it: every definition of one kind, names unique. */
function loadDefinitions<T extends { name: string; parameters: ParameterDefinition[] }>(
  root: string,
  folder: string,
  schema: z.ZodType<T>,
): (T & { fileBase: string; sourceFile: string })[] {
  const dir = path.join(root, folder);
  const definitions = listJson(dir).map((file) => {
    const jsonFile = path.join(dir, file);
    const fileBase = file.slice(0, -".json".length);
    const definition = check(schema, readJson(jsonFile), jsonFile);
    const sourceFile = path.join(dir, `${fileBase}.ts`);
    if (!fs.existsSync(sourceFile)) throw new PackageInvalid(`${jsonFile}: its code ${folder}/${fileBase}.ts is missing`);
    for (const parameter of definition.parameters) checkDefault(parameter, jsonFile);
    return { ...definition, fileBase, sourceFile };
  });
  const names = new Set<string>();
  for (const definition of definitions) {
    if (names.has(definition.name.toLowerCase())) throw new PackageInvalid(`${dir}: two ${folder} are named "${definition.name}"`);
    names.add(definition.name.toLowerCase());
  }
  return definitions;
}

function checkDefault(parameter: ParameterDefinition, file: string): void {
  if (parameter.default === undefined) return;
  const wrong =
    (parameter.type === "int" && !Number.isInteger(Number(parameter.default))) ||
    (parameter.type === "boolean" && !["true", "false"].includes(String(parameter.default).toLowerCase()));
  if (wrong)
    throw new PackageInvalid(
      `${file}: parameter "${parameter.name}": default ${JSON.stringify(parameter.default)} is not of type ${parameter.type}`,
    );
  // A file is named as it is, never filled in from an event.
  if (parameter.type === "file" && /\[[^\]]*\]/.test(String(parameter.default))) {
    throw new PackageInvalid(
      `${file}: file parameter "${parameter.name}": default ${JSON.stringify(parameter.default)} may not hold a placeholder ([…])`,
    );
  }
}
