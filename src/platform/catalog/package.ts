// Reads and validates an integration package folder (CONTRACT.md): integration.json, connectors/NAME.json|ts.
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { PackageInvalid } from "../errors.js";

import { PARAMETER_TYPES } from "../../sdk/parameter-types.js";

export { PARAMETER_TYPES, type ParameterType } from "../../sdk/parameter-types.js";

const parameterSchema = z
  .object({
    name: z.string().min(1).max(200),
    type: z.enum(PARAMETER_TYPES),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    required: z.boolean().optional(),
    /** Required, except when this other parameter has a value (a password, unless OAuth2 is set up). */
    requiredUnless: z.string().min(1).optional(),
    description: z.string().max(2000).optional(),
  })
  .strict();

export const parametersSchema = z.array(parameterSchema).max(200).superRefine((parameters, context) => {
  const seen = new Set<string>();
  parameters.forEach((parameter, index) => {
    if (seen.has(parameter.name)) {
      context.addIssue({ code: "custom", path: [index, "name"], message: `duplicate parameter "${parameter.name}"` });
    }
    seen.add(parameter.name);
  });
});

const integrationSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(5000),
    icon: z.string().regex(/^[\w.-]+\.(svg|png)$/i, "an SVG or PNG file name beside integration.json").optional(),
    dependencies: z.record(z.string().regex(/^(@[\w.-]+\/)?[\w.-]+$/, "an npm package name"), z.string().min(1)).optional(),
    parameters: parametersSchema.optional(),
  })
  .strict();

const connectorSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(5000),
    parameters: parametersSchema,
    productFieldName: z.string().min(1),
    eventFieldName: z.string().min(1),
    intervalSeconds: z.number().int().min(1).max(86_400 * 7),
    timeoutSeconds: z.number().int().min(1).max(86_400),
    /** Heap cap of the connector's process in MB (default 1024): one that needs more fails alone. */
    memoryMb: z.number().int().min(32).max(16_384).optional(),
  })
  .strict();

export type ParameterDefinition = z.infer<typeof parameterSchema>;

export interface ConnectorDefinition extends z.infer<typeof connectorSchema> {
  /** NAME of connectors/NAME.json. */
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
  const connectorsDir = path.join(root, "connectors");
  const files = fs.existsSync(connectorsDir) ? fs.readdirSync(connectorsDir).filter((f) => f.endsWith(".json")).sort() : [];
  if (files.length === 0) throw new PackageInvalid(`${connectorsDir}: no connectors/NAME.json`);
  const connectors = files.map((file): ConnectorDefinition => {
    const jsonFile = path.join(connectorsDir, file);
    const fileBase = file.slice(0, -".json".length);
    const definition = check(connectorSchema, readJson(jsonFile), jsonFile);
    const sourceFile = path.join(connectorsDir, `${fileBase}.ts`);
    if (!fs.existsSync(sourceFile)) throw new PackageInvalid(`${jsonFile}: its code connectors/${fileBase}.ts is missing`);
    for (const parameter of definition.parameters) checkDefault(parameter, jsonFile);
    return { ...definition, fileBase, sourceFile };
  });
  const names = new Set<string>();
  for (const connector of connectors) {
    if (names.has(connector.name.toLowerCase())) throw new PackageInvalid(`${connectorsDir}: two connectors are named "${connector.name}"`);
    names.add(connector.name.toLowerCase());
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
    builtin: options.builtin ?? false,
  };
}

function checkDefault(parameter: ParameterDefinition, file: string): void {
  if (parameter.default === undefined) return;
  const wrong =
    (parameter.type === "int" && !Number.isInteger(Number(parameter.default))) ||
    (parameter.type === "boolean" && !["true", "false"].includes(String(parameter.default).toLowerCase()));
  if (wrong) throw new PackageInvalid(`${file}: parameter "${parameter.name}": default ${JSON.stringify(parameter.default)} is not of type ${parameter.type}`);
}
