// The console's IDE: create integrations and connector definitions, edit and save connector code as
// new package versions, and Play draft code without storing anything. Every save goes through
// importIntegration, so what the console makes is exactly what `intake integration import` accepts.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  ActionNotFound,
  ConnectorCompile,
  ConnectorNotFound,
  DependencyInstall,
  JobNotFound,
  IdeCheck,
  IntakeError,
  IntegrationConflict,
  IntegrationNotFound,
  IntegrationReadonly,
  ParameterError,
  PlayBusy,
  VersionNotFound,
} from "../errors.js";
import type { LogEntry } from "../../sdk/execution.js";
import {
  compileCode,
  exportIntegration,
  findConnectorDefinition,
  listIntegrations,
  listIntegrationVersions,
  loadIntegrationPackage,
  slugOf,
  validateParameterValues,
  withDefaults,
  type CodeDefinition,
  type ConnectorDefinition,
  type ImportResult,
  type IntegrationDefinition,
  type ParameterDefinition,
} from "../catalog/index.js";
import { runAction, type ActionOutcome } from "../actions/index.js";
import { checkPackage } from "../ingest/index.js";
import { runJob, type JobOutcome } from "../jobs/index.js";
import { installIntegrationPackage } from "../packages/index.js";
import { MAX_LOG_ENTRIES } from "../runner/index.js";
import { driveCodeProcess } from "../runner/drive.js";
import { codeProcessInit } from "../runner/init.js";
import { codeReadRoots, DEFAULT_MEMORY_MB } from "../runner/code-process.js";
import { forShow } from "../runner/run.js";
import type { RunStatus, Store } from "../store/index.js";

export const MAX_CODE_BYTES = 1024 * 1024;
export const MAX_ICON_BYTES = 256 * 1024;
/** Shown alerts of a Play: enough to look at, bounded for the browser. */
const MAX_PLAY_ALERTS = 500;
/** Plays at once on this server: each is a Node process. */
const MAX_PLAYS = 2;
/** The file name of a connector: connectors/NAME.json and NAME.ts, never a path. */
export const FILE_BASE = /^[a-z0-9][a-z0-9_-]{0,59}$/;
const INTEGRATION_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._()-]{0,99}$/u;

export interface Diagnostic {
  /** Relative to the package folder, e.g. connectors/alerts.ts. */
  file: string | null;
  line: number | null;
  column: number | null;
  message: string;
}

/** A save or Play whose package does not validate, compile or type-check: the problems, by place. */
export class IdeCheckError extends IdeCheck {
  constructor(
    readonly diagnostics: Diagnostic[],
    message: string,
  ) {
    super(message);
  }
}

export interface EditableIntegration {
  name: string;
  slug: string;
  description: string;
  hasIcon: boolean;
  /** Created in the console, not yet imported: it has no connector yet. */
  draft: boolean;
  connectors: ConnectorDefinition[];
  actions: CodeDefinition[];
  jobs: CodeDefinition[];
}

export const CONNECTOR_TEMPLATE = `import { AlertInfo, ConnectorExecution, Priority } from "intake/sdk";

export default async function main(execution: ConnectorExecution): Promise<void> {
  const alerts: AlertInfo[] = [];
  execution.logger.info("nothing fetched yet: write the connector here");
  await execution.returnPackage(alerts);
}
`;

export const ACTION_TEMPLATE = `import { ActionExecution } from "intake/sdk";

export default async function main(execution: ActionExecution): Promise<void> {
  for (const entity of execution.targetEntities) execution.logger.info(\`\${entity.entityType} \${entity.identifier}\`);
  execution.result.addResultJson({ entities: execution.targetEntities.length });
  execution.end(\`looked at \${execution.targetEntities.length} entities\`, true);
}
`;

export const JOB_TEMPLATE = `import { JobExecution } from "intake/sdk";

export default async function main(execution: JobExecution): Promise<void> {
  execution.logger.info(\`last run: \${execution.fetchTimestamp()}\`);
  execution.saveTimestamp(Date.now());
}
`;

const TEMPLATES = { connectors: CONNECTOR_TEMPLATE, actions: ACTION_TEMPLATE, jobs: JOB_TEMPLATE } as const;

function draftsRoot(store: Store): string {
  return path.join(store.dataDir, "ide-drafts");
}

function readDraft(dir: string): { name: string; description: string; icon?: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "integration.json"), "utf8")) as { name: string; description: string; icon?: string };
  } catch {
    return undefined;
  }
}

/** Turns the lines of a package, compile or type error into diagnostics with paths inside the package. */
export function toDiagnostics(message: string, packageDir: string): Diagnostic[] {
  const relative = (file: string) => {
    const resolved = path.resolve(file);
    return resolved.startsWith(packageDir + path.sep)
      ? path.relative(packageDir, resolved).split(path.sep).join("/")
      : path.basename(resolved);
  };
  return message
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => {
      const located = /^(\/.+?):(\d+):(\d+): (.*)$/s.exec(line);
      if (located) return { file: relative(located[1]!), line: Number(located[2]), column: Number(located[3]), message: located[4]! };
      const named = /^(\/[^:]+?\.(?:json|ts|svg|png)): (.*)$/s.exec(line);
      if (named) return { file: relative(named[1]!), line: null, column: null, message: named[2]! };
      return { file: null, line: null, column: null, message: line.split(packageDir + path.sep).join("") };
    });
}

/** Integrations the console may edit: imported ones and drafts (built-in ones are read-only). */
export async function listEditableIntegrations(store: Store): Promise<EditableIntegration[]> {
  const imported = (await listIntegrations(store)).filter((i) => !i.builtin);
  const out: EditableIntegration[] = imported.map((i) => ({
    name: i.name,
    slug: i.slug,
    description: i.description,
    hasIcon: Boolean(i.iconFile),
    draft: false,
    connectors: i.connectors,
    actions: i.actions,
    jobs: i.jobs,
  }));
  const root = draftsRoot(store);
  if (fs.existsSync(root)) {
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
      const draft = entry.isDirectory() ? readDraft(path.join(root, entry.name)) : undefined;
      if (draft && !out.some((i) => i.slug === entry.name)) {
        out.push({
          name: draft.name,
          slug: entry.name,
          description: draft.description,
          hasIcon: Boolean(draft.icon),
          draft: true,
          connectors: [],
          actions: [],
          jobs: [],
        });
      }
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** "image/svg+xml" or "image/png" when the bytes are one, else undefined. */
export function iconType(data: Buffer): "svg" | "png" | undefined {
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "png";
  const head = data
    .subarray(0, 4096)
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return "svg";
  return undefined;
}

export interface NewIntegration {
  name: string;
  description: string;
  icon?: { data: Buffer } | undefined;
}

/** Creates an integration as a draft folder; it is imported with its first connector. */
export async function createIntegration(store: Store, input: NewIntegration): Promise<EditableIntegration> {
  const name = input.name.trim();
  if (!INTEGRATION_NAME.test(name))
    throw new ParameterError(
      `name ${JSON.stringify(input.name)}: use 1 to 100 letters, digits, spaces, dots, dashes, underscores or brackets`,
    );
  if (input.description.length > 5000) throw new ParameterError("description: at most 5000 characters");
  const slug = slugOf(name);
  const taken = [...(await listIntegrations(store)), ...(await listEditableIntegrations(store))].find(
    (i) => i.slug === slug || i.name.toLowerCase() === name.toLowerCase(),
  );
  if (taken) throw new IntegrationConflict(`name: an integration "${taken.name}" (short name ${taken.slug}) exists: choose another name`);
  let iconFile: string | undefined;
  if (input.icon) {
    if (input.icon.data.length > MAX_ICON_BYTES) throw new ParameterError(`icon: larger than ${MAX_ICON_BYTES / 1024} KB`);
    const type = iconType(input.icon.data);
    if (!type) throw new ParameterError("icon: not an SVG or PNG image");
    iconFile = `icon.${type}`;
  }
  const dir = path.join(draftsRoot(store), slug);
  fs.mkdirSync(dir, { recursive: true });
  if (iconFile) fs.writeFileSync(path.join(dir, iconFile), input.icon!.data);
  fs.writeFileSync(
    path.join(dir, "integration.json"),
    `${JSON.stringify({ name, description: input.description, ...(iconFile ? { icon: iconFile } : {}) }, null, 2)}\n`,
  );
  return { name, slug, description: input.description, hasIcon: Boolean(iconFile), draft: true, connectors: [], actions: [], jobs: [] };
}

/** The imported integration (or the draft) behind a short name; built-in ones cannot be edited here. */
async function editable(store: Store, slug: string): Promise<{ integration?: IntegrationDefinition; draftDir?: string }> {
  const found = (await listIntegrations(store)).find((i) => i.slug === slug);
  if (found?.builtin) throw new IntegrationReadonly(found.name);
  if (found) return { integration: found };
  const draftDir = path.join(draftsRoot(store), slug);
  if (FILE_BASE.test(slug) && readDraft(draftDir)) return { draftDir };
  throw new IntegrationNotFound(`no integration "${slug}" to edit`);
}

function tempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "intake-ide-")));
}

/** One save at a time per integration: versions follow each other. */
const saving = new Map<string, Promise<unknown>>();

/** Writes the package's current files to a temporary folder, applies the change and imports it as a new version. */
async function commitPackage(store: Store, slug: string, change: (dir: string) => void): Promise<ImportResult> {
  const previous = saving.get(slug) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(async () => {
      const { integration, draftDir } = await editable(store, slug);
      const work = tempDir();
      const dir = path.join(work, "package");
      try {
        if (integration) await exportIntegration(store, integration.name, dir);
        else fs.cpSync(draftDir!, dir, { recursive: true });
        change(dir);
        let result: ImportResult;
        try {
          result = await installIntegrationPackage(store, dir);
        } catch (error) {
          if (error instanceof IntakeError && error.code !== DependencyInstall.code) {
            throw new IdeCheckError(toDiagnostics(error.message, dir), error.message.split(dir + path.sep).join(""));
          }
          throw error;
        }
        if (draftDir) fs.rmSync(draftDir, { recursive: true, force: true });
        return result;
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    });
  saving.set(slug, next);
  try {
    return await next;
  } finally {
    if (saving.get(slug) === next) saving.delete(slug);
  }
}

export interface ConnectorDefinitionInput {
  name: string;
  description: string;
  parameters: ParameterDefinition[];
  productFieldName: string;
  eventFieldName: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  entityMapping?: Record<string, string>;
}

function checkFileBase(fileBase: string): void {
  if (!FILE_BASE.test(fileBase))
    throw new ParameterError(`file name ${JSON.stringify(fileBase)}: 1 to 60 lower-case letters, digits, dashes or underscores`);
}

/** An action's definition as the console's form sends it (actions/NAME.json). */
export interface ActionDefinitionInput {
  name: string;
  description: string;
  parameters: ParameterDefinition[];
  entityTypes?: string[];
  timeoutSeconds: number;
}
/** A job's definition as the console's form sends it (jobs/NAME.json). */
export interface JobDefinitionInput {
  name: string;
  description: string;
  parameters: ParameterDefinition[];
  intervalSeconds: number;
  timeoutSeconds: number;
}

/** Adds or changes a connector definition; a new one starts from a template that compiles. */
export function saveConnectorDefinition(
  store: Store,
  slug: string,
  fileBase: string,
  definition: ConnectorDefinitionInput,
): Promise<ImportResult> {
  return saveDefinition(store, slug, "connectors", fileBase, definition);
}

/** Adds or changes a definition of connectors/, actions/ or jobs/; a new one starts from its kind's template. */
export async function saveDefinition(
  store: Store,
  slug: string,
  folder: CodeFolder,
  fileBase: string,
  definition: ConnectorDefinitionInput | ActionDefinitionInput | JobDefinitionInput,
): Promise<ImportResult> {
  checkFileBase(fileBase);
  // A default is written into the package in plain text: secrets belong on the connector instance.
  const secretDefault = definition.parameters.find((p) => p.type === "password" && p.default !== undefined);
  if (secretDefault)
    throw new ParameterError(
      `parameters: "${secretDefault.name}" is a password and cannot have a default (set it on the connector instead)`,
    );
  return commitPackage(store, slug, (dir) => {
    const codeDir = path.join(dir, folder);
    fs.mkdirSync(codeDir, { recursive: true });
    const jsonFile = path.join(codeDir, `${fileBase}.json`);
    // Keep what the form does not show (memoryMb) from the previous definition.
    const previous = fs.existsSync(jsonFile) ? (JSON.parse(fs.readFileSync(jsonFile, "utf8")) as Record<string, unknown>) : {};
    fs.writeFileSync(jsonFile, `${JSON.stringify({ ...previous, ...definition }, null, 2)}\n`);
    const code = path.join(codeDir, `${fileBase}.ts`);
    if (!fs.existsSync(code)) fs.writeFileSync(code, TEMPLATES[folder]);
  });
}

async function importedConnector(
  store: Store,
  slug: string,
  fileBase: string,
): Promise<{ integration: IntegrationDefinition; connector: ConnectorDefinition }> {
  checkFileBase(fileBase);
  const { integration } = await editable(store, slug);
  if (!integration) throw new ConnectorNotFound(`integration "${slug}" has no connector yet`);
  const connector = integration.connectors.find((c) => c.fileBase === fileBase);
  if (!connector) throw new ConnectorNotFound(`integration "${integration.name}" has no connector file connectors/${fileBase}.ts`);
  return { integration, connector };
}

/** The folder of each kind of code in a package. */
export const CODE_FOLDERS = ["connectors", "actions", "jobs"] as const;
export type CodeFolder = (typeof CODE_FOLDERS)[number];

/** The imported definition of connectors/, actions/ or jobs/NAME. */
async function importedCode(
  store: Store,
  slug: string,
  folder: CodeFolder,
  fileBase: string,
): Promise<{ integration: IntegrationDefinition; definition: CodeDefinition }> {
  if (folder === "connectors") {
    const { integration, connector } = await importedConnector(store, slug, fileBase);
    return { integration, definition: connector };
  }
  checkFileBase(fileBase);
  const { integration } = await editable(store, slug);
  const definition = integration?.[folder].find((d) => d.fileBase === fileBase);
  if (!integration || !definition) {
    const message = `integration "${integration?.name ?? slug}" has no file ${folder}/${fileBase}.ts`;
    throw folder === "actions" ? new ActionNotFound(message) : new JobNotFound(message);
  }
  return { integration, definition };
}

export async function getCode(
  store: Store,
  slug: string,
  folder: CodeFolder,
  fileBase: string,
): Promise<{ file: string; code: string; version: number | null }> {
  const { integration, definition } = await importedCode(store, slug, folder, fileBase);
  const versions = await listIntegrationVersions(store, integration.name);
  return { file: `${folder}/${fileBase}.ts`, code: fs.readFileSync(definition.sourceFile, "utf8"), version: versions[0]?.version ?? null };
}

function checkCode(code: string): void {
  if (Buffer.byteLength(code) > MAX_CODE_BYTES) throw new ParameterError(`code: larger than ${MAX_CODE_BYTES / 1024 / 1024} MB`);
}

/**
 * Saves the code as a new version when it compiles and type-checks. When it does not, nothing changes
 * on the server (the working version keeps running) and the problems come back as diagnostics; the
 * code stays in the editor.
 */
export async function saveCode(store: Store, slug: string, folder: CodeFolder, fileBase: string, code: string): Promise<ImportResult> {
  checkCode(code);
  await importedCode(store, slug, folder, fileBase);
  return commitPackage(store, slug, (dir) => fs.writeFileSync(path.join(dir, folder, `${fileBase}.ts`), code));
}

export interface CodeVersion {
  version: number;
  createdAt: number;
  /** Whether this file's code differs from the version before. */
  changed: boolean;
}

async function versionsWith(store: Store, slug: string, folder: CodeFolder, fileBase: string) {
  const { integration } = await importedCode(store, slug, folder, fileBase);
  const file = `${folder}/${fileBase}.ts`;
  return { file, versions: (await listIntegrationVersions(store, integration.name)).filter((v) => v.files[file] !== undefined) };
}

export async function listCodeVersions(store: Store, slug: string, folder: CodeFolder, fileBase: string): Promise<CodeVersion[]> {
  const { file, versions } = await versionsWith(store, slug, folder, fileBase);
  return versions.map((v, index) => ({
    version: v.version,
    createdAt: v.createdAt,
    changed: versions[index + 1]?.files[file] !== v.files[file],
  }));
}

/** A version's code and the code of the version before it that had this file (for the diff). */
export async function getCodeVersion(store: Store, slug: string, folder: CodeFolder, fileBase: string, version: number) {
  const { file, versions } = await versionsWith(store, slug, folder, fileBase);
  const index = versions.findIndex((v) => v.version === version);
  if (index < 0) throw new VersionNotFound(`${file} has no version ${version}`);
  const before = versions[index + 1];
  return {
    version,
    createdAt: versions[index]!.createdAt,
    code: versions[index]!.files[file]!,
    previous: before ? { version: before.version, code: before.files[file]! } : null,
  };
}

export interface PlayResult {
  status: RunStatus;
  error?: { code: string; message: string };
  fetched: number;
  alerts: unknown[];
  alertCount: number;
  failed: number;
  skipped: number;
  logs: LogEntry[];
  ms: number;
}

let plays = 0;

/**
 * Runs the given code (saved or not) once in test mode in its own process: its alerts are checked and
 * returned, nothing is stored (no case, no run, no context). Parameters come from the request,
 * over the definition's defaults.
 */
/**
 * Writes the installed package with `code` in place of FOLDER/FILE_BASE.ts to a temporary folder, compiles
 * that file (a compile error comes back as the IDE's diagnostics) and hands the draft to `play`. At most
 * MAX_PLAYS at once; the folder is removed after.
 */
async function withDraftCode<T>(
  store: Store,
  integration: IntegrationDefinition,
  folder: CodeFolder,
  fileBase: string,
  code: string,
  play: (draft: IntegrationDefinition, compiled: string) => Promise<T>,
): Promise<T> {
  checkCode(code);
  if (plays >= MAX_PLAYS) throw new PlayBusy(MAX_PLAYS);
  plays++;
  const work = tempDir();
  // Named by the slug: the draft reads the integration's configured parameters, which are stored by slug.
  const dir = path.join(work, integration.slug);
  try {
    await exportIntegration(store, integration.name, dir);
    fs.writeFileSync(path.join(dir, folder, `${fileBase}.ts`), code);
    // Dependencies resolve from the installed version's folder.
    if (fs.existsSync(path.join(integration.dir, "node_modules")))
      fs.symlinkSync(path.join(integration.dir, "node_modules"), path.join(dir, "node_modules"), "dir");
    const draft = loadIntegrationPackage(dir);
    const definition = [...draft.connectors, ...draft.actions, ...draft.jobs].find(
      (d) => d.fileBase === fileBase && d.sourceFile === path.join(dir, folder, `${fileBase}.ts`),
    );
    if (!definition) throw new IntegrationNotFound(`integration "${integration.name}" has no ${folder}/${fileBase}.ts`);
    let compiled: string;
    try {
      compiled = await compileCode(draft, definition, folder === "connectors" ? "connector" : folder === "actions" ? "action" : "job");
    } catch (error) {
      if (error instanceof ConnectorCompile)
        throw new IdeCheckError(toDiagnostics(error.message, dir), error.message.split(dir + path.sep).join(""));
      throw error;
    }
    return await play(draft, compiled);
  } finally {
    plays--;
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Play of an action: the given code (saved or not) on the case's entities; stores and changes nothing. */
export async function playAction(
  store: Store,
  slug: string,
  fileBase: string,
  input: { code: string; caseId: number; params: Record<string, unknown>; actor: string },
): Promise<ActionOutcome> {
  checkFileBase(fileBase);
  const { integration } = await editable(store, slug);
  const installed = integration?.actions.find((a) => a.fileBase === fileBase);
  if (!integration || !installed) throw new ActionNotFound(`integration "${slug}" has no action file actions/${fileBase}.ts`);
  return withDraftCode(store, integration, "actions", fileBase, input.code, async (draft) => {
    const action = draft.actions.find((a) => a.fileBase === fileBase)!;
    return runAction(store, {
      integration: draft.name,
      action: action.name,
      caseId: input.caseId,
      params: input.params,
      actor: input.actor,
      test: true,
      draft: { integration: draft, action },
    });
  });
}

/** Play of a job: the given code (saved or not) once in test mode, with the job's scheduled parameters; its context is not saved. */
export async function playJob(store: Store, slug: string, fileBase: string, input: { code: string }): Promise<JobOutcome> {
  checkFileBase(fileBase);
  const { integration } = await editable(store, slug);
  const installed = integration?.jobs.find((j) => j.fileBase === fileBase);
  if (!integration || !installed) throw new JobNotFound(`integration "${slug}" has no job file jobs/${fileBase}.ts`);
  return withDraftCode(store, integration, "jobs", fileBase, input.code, async (draft) => {
    const job = draft.jobs.find((j) => j.fileBase === fileBase)!;
    return runJob(store, { integration: draft.name, job: job.name, test: true, draft: { integration: draft, job } });
  });
}

export async function playConnector(
  store: Store,
  slug: string,
  fileBase: string,
  input: { code: string; parameters: Record<string, unknown> },
): Promise<PlayResult> {
  const { integration, connector } = await importedConnector(store, slug, fileBase);
  const values = withDefaults(connector.parameters, validateParameterValues(connector.parameters, input.parameters));
  const started = Date.now();
  return withDraftCode(store, integration, "connectors", fileBase, input.code, async (draft, modulePath) => {
    const definition = findConnectorDefinition(draft, connector.name);
    const logs: LogEntry[] = [];
    const shown: unknown[] = [];
    const result: PlayResult = { status: "running", fetched: 0, alerts: shown, alertCount: 0, failed: 0, skipped: 0, logs, ms: 0 };
    let fetchedReported = false;
    const outcome = await driveCodeProcess(
      codeProcessInit({
        kind: "connector",
        modulePath,
        name: `${connector.name} (play ${crypto.randomBytes(3).toString("hex")})`,
        mode: "test",
        parameterDefinitions: connector.parameters,
        parameters: values,
        context: {},
        allowList: [],
      }),
      {
        timeoutSeconds: definition.timeoutSeconds,
        memoryMb: definition.memoryMb ?? DEFAULT_MEMORY_MB,
        // A draft's code: a process of its own, never a warm one.
        fresh: true,
        // The draft's folder, and its dependencies through the link to the installed version's.
        readRoots: codeReadRoots(draft, definition, values, store.dataDir),
        onLog: (entry) => {
          if (logs.length < MAX_LOG_ENTRIES) logs.push({ ...entry, message: entry.message.slice(0, 10_000) });
        },
        onSkipped: () => {
          result.skipped++;
        },
        onFetched: (count) => {
          fetchedReported = true;
          result.fetched += count;
        },
        onPackage: async (alerts) => {
          result.alertCount += alerts.length;
          const checked = checkPackage(alerts);
          result.failed += checked.failed;
          for (const alert of alerts) if (shown.length < MAX_PLAY_ALERTS) shown.push(forShow(alert));
          return checked;
        },
      },
    );
    result.status = outcome.status;
    if (outcome.error) result.error = outcome.error;
    if (!fetchedReported) result.fetched = result.alertCount;
    result.ms = Date.now() - started;
    return result;
  });
}

export interface SdkCompletion {
  label: string;
  type: string;
  detail?: string;
}

let sdkNames: Promise<SdkCompletion[]> | undefined;

/** The SDK's exported names and the members of its classes, read from its declarations (for completion). */
export function sdkCompletions(typesFile: string): Promise<SdkCompletion[]> {
  sdkNames ??= (async () => {
    const ts = (await import("typescript")).default;
    const program = ts.createProgram({ rootNames: [typesFile], options: { noEmit: true, skipLibCheck: true, types: [] } });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(typesFile);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) return [];
    const out = new Map<string, SdkCompletion>();
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const f = symbol.flags;
      const type =
        f & ts.SymbolFlags.Class
          ? "class"
          : f & ts.SymbolFlags.Interface
            ? "interface"
            : f & ts.SymbolFlags.TypeAlias
              ? "type"
              : f & ts.SymbolFlags.Function
                ? "function"
                : f & ts.SymbolFlags.Enum
                  ? "enum"
                  : "variable";
      out.set(exported.name, { label: exported.name, type, detail: "intake/sdk" });
      const memberType =
        f & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)
          ? checker.getDeclaredTypeOfSymbol(symbol)
          : f & ts.SymbolFlags.Variable && source
            ? checker.getTypeOfSymbolAtLocation(symbol, source)
            : undefined;
      for (const member of memberType?.getProperties() ?? []) {
        if (member.name.startsWith("#") || member.name.startsWith("_") || out.has(member.name)) continue;
        out.set(member.name, {
          label: member.name,
          type: member.flags & ts.SymbolFlags.Method ? "method" : "property",
          detail: exported.name,
        });
      }
    }
    return [...out.values()].slice(0, 2000);
  })();
  return sdkNames;
}
