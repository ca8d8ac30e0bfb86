// What every execution of integration code shares (connector, action, job): the logger, secret redaction,
// typed parameter extraction, and the integration's own parameters (extractConfigurationParam).
import { ParameterError } from "./errors.js";
import type { ParameterType } from "./parameter-types.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogEntry {
  level: LogLevel;
  message: string;
  time: number;
}

export interface ConnectorLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Logs an error with its code and stack, as SecOps' `LOGGER.exception`. */
  exception(error: unknown, message?: string): void;
}

export type ParamInputType = ParameterType;

export interface ExtractParamOptions<T> {
  defaultValue?: T;
  inputType?: ParamInputType | StringConstructor | NumberConstructor | BooleanConstructor;
  isMandatory?: boolean;
  /** Log the value (a password is always masked). */
  printValue?: boolean;
}

/** The typed reader of one set of parameters (`extractConnectorParam`, `extractActionParam`…). */
export interface ExtractParam {
  (name: string, options: ExtractParamOptions<number> & { inputType: "int" | NumberConstructor }): number;
  (name: string, options: ExtractParamOptions<boolean> & { inputType: "boolean" | BooleanConstructor }): boolean;
  (name: string, options?: ExtractParamOptions<string>): string;
}

export interface CodeExecutionInit {
  isTestRun: boolean;
  /** The integration's own parameters (integration.json), configured once for the integration. */
  configuration?: Record<string, unknown>;
  /** Every secret value the code is given (its passwords and the integration's): never logged. */
  secretValues: string[];
  log(entry: LogEntry): void;
  askPlatform?: AskPlatform;
}

/** What the platform gives an action's or a job's code: its parameters and the integration's, with their secrets named. */
export interface IntegrationCodeInit {
  integrationName: string;
  isTestRun: boolean;
  parameters: Record<string, unknown>;
  secretParameters: string[];
  configuration: Record<string, unknown>;
  secretConfiguration: string[];
  log(entry: LogEntry): void;
  /** Asks the platform one of its services (runner/drive.ts `services`) and waits for the answer. */
  askPlatform?: AskPlatform;
}

/**
 * A question to the platform from integration code (look up indicators, earlier cases…): the code's
 * process reads no database, so the runner answers. Unknown services fail with PLATFORM_SERVICE.
 */
export type AskPlatform = (service: string, payload: unknown) => Promise<unknown>;

export const MASK = "********";

function typeName(inputType: ExtractParamOptions<unknown>["inputType"]): ParamInputType {
  if (inputType === Number) return "int";
  if (inputType === Boolean) return "boolean";
  if (inputType === String || inputType === undefined) return "string";
  return inputType as ParamInputType;
}

/** The secret values among `values`: those of the named parameters. */
export function secretValuesOf(values: Record<string, unknown>, names: string[]): string[] {
  return names.map((name) => values[name]).filter((value): value is string => typeof value === "string" && value.length > 0);
}

/** The base's init from an action's or a job's: every secret value of both sets of parameters. */
export function codeExecutionInit(
  init: Omit<IntegrationCodeInit, "integrationName" | "configuration" | "secretConfiguration"> & Partial<IntegrationCodeInit>,
): CodeExecutionInit {
  return {
    isTestRun: init.isTestRun,
    ...(init.configuration ? { configuration: init.configuration } : {}),
    secretValues: [
      ...secretValuesOf(init.parameters, init.secretParameters),
      ...secretValuesOf(init.configuration ?? {}, init.secretConfiguration ?? []),
    ],
    log: init.log,
    ...(init.askPlatform ? { askPlatform: init.askPlatform } : {}),
  };
}

export class CodeExecution {
  readonly isTestRun: boolean;
  readonly logger: ConnectorLogger;
  readonly #secrets: string[];
  readonly #configuration: Record<string, unknown>;
  readonly #askPlatform: AskPlatform | undefined;

  constructor(init: CodeExecutionInit) {
    this.isTestRun = init.isTestRun;
    this.#secrets = [...init.secretValues];
    this.#configuration = { ...init.configuration };
    this.#askPlatform = init.askPlatform;
    const write = (level: LogLevel, message: string) => init.log({ level, message: this.redact(String(message)), time: Date.now() });
    this.logger = {
      debug: (m) => write("debug", m),
      info: (m) => write("info", m),
      warn: (m) => write("warn", m),
      error: (m) => write("error", m),
      exception: (error, message) => {
        const err = error as { code?: string; message?: string; stack?: string };
        const head = err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? error);
        write("error", [message, head, err?.stack?.split("\n").slice(1, 6).join("\n")].filter(Boolean).join("\n"));
      },
    };
  }

  /** Hides every secret value that found its way into a message. */
  redact(message: string): string {
    let out = message;
    for (const secret of this.#secrets) out = out.split(secret).join(MASK);
    return out;
  }

  /**
   * One of the integration's own parameters (integration.json's "parameters", set with `intake integration
   * configure`), as SecOps' `extract_configuration_param`.
   */
  readonly extractConfigurationParam: ExtractParam = ((name: string, options: ExtractParamOptions<unknown> = {}) =>
    this.readParameter(this.#configuration, name, options)) as ExtractParam;

  /** Asks one of the platform's services (what the SDK's lookups are built on); outside a run, there is none. */
  protected askPlatform(service: string, payload: unknown): Promise<unknown> {
    if (!this.#askPlatform) return Promise.reject(new Error(`the platform's ${service} service is not reachable outside a run`));
    return this.#askPlatform(service, payload);
  }

  /**
   * Reads one value of `values`: throws a ParameterError naming it when it is mandatory and missing,
   * or of the wrong type.
   */
  protected readParameter(values: Record<string, unknown>, name: string, options: ExtractParamOptions<unknown>): unknown {
    const type = typeName(options.inputType);
    const raw = values[name];
    const empty = raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "");
    let value: unknown;
    if (empty) {
      if (options.isMandatory && options.defaultValue === undefined) {
        throw new ParameterError(`missing mandatory parameter "${name}"`);
      }
      value = options.defaultValue;
    } else if (type === "int") {
      const number = typeof raw === "number" ? raw : Number(String(raw).trim());
      if (!Number.isInteger(number)) throw new ParameterError(`parameter "${name}" must be an integer`);
      value = number;
    } else if (type === "boolean") {
      if (typeof raw === "boolean") value = raw;
      else if (/^(true|false)$/i.test(String(raw).trim())) value = String(raw).trim().toLowerCase() === "true";
      else throw new ParameterError(`parameter "${name}" must be true or false`);
    } else {
      value = String(raw);
    }
    if (options.printValue) {
      const secret = type === "password" || this.#secrets.includes(String(raw));
      this.logger.info(`${name}: ${secret ? MASK : JSON.stringify(value)}`);
    }
    return value;
  }
}

/**
 * Values kept between runs (a connector's or a job's context): staged by the code, committed by the
 * platform when the run ends well (or, for a connector, with its next package).
 */
export class StagedContext {
  readonly #saved: Map<string, string>;
  readonly #pending = new Map<string, string | null>();
  constructor(saved: Record<string, string>) {
    this.#saved = new Map(Object.entries(saved));
  }
  get(key: string): string | undefined {
    if (this.#pending.has(key)) return this.#pending.get(key) ?? undefined;
    return this.#saved.get(key);
  }
  set(key: string, value: string | null): void {
    this.#pending.set(key, value);
  }
  /** The staged values, cleared (to commit them). */
  take(): Record<string, string | null> {
    const staged = Object.fromEntries(this.#pending);
    this.#pending.clear();
    return staged;
  }
  /** After a commit: the values become the saved ones. */
  commit(values: Record<string, string | null>): void {
    for (const [key, value] of Object.entries(values)) {
      if (value === null) this.#saved.delete(key);
      else this.#saved.set(key, value);
    }
  }
  /** After a test run's package: nothing was committed, the values stay staged. */
  restage(values: Record<string, string | null>): void {
    for (const [key, value] of Object.entries(values)) this.#pending.set(key, value);
  }
  timestamp(defaultValue = 0): number {
    const saved = Number(this.get("timestamp"));
    return Number.isFinite(saved) && saved > 0 ? saved : defaultValue;
  }
}
