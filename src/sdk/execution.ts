// ConnectorExecution: what a connector's main function receives (SecOps' SiemplifyConnectorExecution).
import type { AlertInfo } from "./alert.js";
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

/** What became of one alert of a package. */
export type AlertOutcome = "ingested" | "duplicate" | "failed" | "tested";

export interface AlertResult {
  display_id: string;
  outcome: AlertOutcome;
  caseId?: number;
  error?: string;
}

export interface PackageResult {
  /** True when the platform stored the package (false on a test run). */
  committed: boolean;
  results: AlertResult[];
  /** The alert ids that are durably stored (new or already there): safe to acknowledge at the source. */
  stored: string[];
}

export type ParamInputType = ParameterType;

export interface ExtractParamOptions<T> {
  defaultValue?: T;
  inputType?: ParamInputType | StringConstructor | NumberConstructor | BooleanConstructor;
  isMandatory?: boolean;
  /** Log the value (a password is always masked). */
  printValue?: boolean;
}

/** How an execution talks to the platform; the runner provides it. */
export interface ExecutionTransport {
  log(entry: LogEntry): void;
  submitPackage(alerts: AlertInfo[], context: Record<string, string | null>): Promise<PackageResult>;
  reportFetched(count: number): void;
  /** A source item deliberately not turned into an alert (excluded, refused sender…), with why. */
  reportSkipped?(id: string, reason: string): void;
}

export interface ExecutionInit {
  connectorName: string;
  isTestRun: boolean;
  parameters: Record<string, unknown>;
  /** Names of the parameters whose values are secrets (never logged). */
  secretParameters: string[];
  context: Record<string, string>;
  allowList: string[];
  transport: ExecutionTransport;
}

const MASK = "********";

function typeName(inputType: ExtractParamOptions<unknown>["inputType"]): ParamInputType {
  if (inputType === Number) return "int";
  if (inputType === Boolean) return "boolean";
  if (inputType === String || inputType === undefined) return "string";
  return inputType as ParamInputType;
}

export class ConnectorExecution {
  readonly connectorName: string;
  readonly isTestRun: boolean;
  readonly logger: ConnectorLogger;
  /** Values set on the connector instance that its code may read (SecOps' whitelist). */
  readonly allowList: readonly string[];
  readonly #parameters: Record<string, unknown>;
  readonly #secrets: string[];
  readonly #context: Map<string, string>;
  readonly #pendingContext = new Map<string, string | null>();
  readonly #transport: ExecutionTransport;

  constructor(init: ExecutionInit) {
    this.connectorName = init.connectorName;
    this.isTestRun = init.isTestRun;
    this.allowList = Object.freeze([...init.allowList]);
    this.#parameters = { ...init.parameters };
    this.#secrets = init.secretParameters
      .map((name) => init.parameters[name])
      .filter((value): value is string => typeof value === "string" && value.length > 0);
    this.#context = new Map(Object.entries(init.context));
    this.#transport = init.transport;
    this.logger = this.#makeLogger();
  }

  /** Hides every secret value that found its way into a message. */
  redact(message: string): string {
    let out = message;
    for (const secret of this.#secrets) out = out.split(secret).join(MASK);
    return out;
  }

  #makeLogger(): ConnectorLogger {
    const write = (level: LogLevel, message: string) =>
      this.#transport.log({ level, message: this.redact(String(message)), time: Date.now() });
    return {
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

  /**
   * Reads one connector parameter, as SecOps' `extract_connector_param`.
   * Throws a ParameterError naming the parameter when it is mandatory and missing, or of the wrong type.
   */
  extractConnectorParam(name: string, options: ExtractParamOptions<number> & { inputType: "int" | NumberConstructor }): number;
  extractConnectorParam(name: string, options: ExtractParamOptions<boolean> & { inputType: "boolean" | BooleanConstructor }): boolean;
  extractConnectorParam(name: string, options?: ExtractParamOptions<string>): string;
  extractConnectorParam(name: string, options: ExtractParamOptions<unknown> = {}): unknown {
    const type = typeName(options.inputType);
    const raw = this.#parameters[name];
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

  /** A value this connector stored on an earlier run (SecOps' connector context). */
  getConnectorContext(key: string): string | undefined {
    if (this.#pendingContext.has(key)) return this.#pendingContext.get(key) ?? undefined;
    return this.#context.get(key);
  }

  /**
   * Stores a value for the next runs. It is committed with the next `returnPackage`
   * (in the same transaction as its cases), or at the end of a successful run.
   */
  setConnectorContext(key: string, value: string | null): void {
    this.#pendingContext.set(key, value);
  }

  /** The timestamp saved by `saveTimestamp`, in Unix ms (0 when none, or the given default). */
  fetchTimestamp(options: { defaultValue?: number } = {}): number {
    const saved = Number(this.getConnectorContext("timestamp"));
    return Number.isFinite(saved) && saved > 0 ? saved : (options.defaultValue ?? 0);
  }

  /** Saves a timestamp (Unix ms), committed as `setConnectorContext` is. */
  saveTimestamp(timestamp: number): void {
    this.setConnectorContext("timestamp", String(Math.trunc(timestamp)));
  }

  /** Tells the platform how many source items this run read (for the run's counts). */
  recordFetched(count: number): void {
    this.#transport.reportFetched(count);
  }

  /**
   * Records a source item that is deliberately not turned into an alert (an excluded subject, a sender
   * not on the allow-list…): it is counted and logged with its reason, never silently dropped.
   */
  recordSkipped(id: string, reason: string): void {
    this.logger.info(`skipped ${id}: ${reason}`);
    this.#transport.reportSkipped?.(id, reason);
  }

  /**
   * Hands alerts to the platform (SecOps' `return_package`). It may be called once per batch;
   * the promise resolves when the batch is durably stored (or, on a test run, recorded),
   * so a connector acknowledges at its source only what `stored` lists. The next batch may be handed
   * over before that: packages are stored in the order given, and none after one that was not.
   */
  async returnPackage(alerts: AlertInfo[]): Promise<PackageResult> {
    const context = Object.fromEntries(this.#pendingContext);
    this.#pendingContext.clear();
    const result = await this.#transport.submitPackage(alerts, context);
    if (!result.committed) {
      // A test run commits nothing: keep the context staged so that later reads still see it.
      for (const [key, value] of Object.entries(context)) this.#pendingContext.set(key, value);
    } else {
      for (const [key, value] of Object.entries(context)) {
        if (value === null) this.#context.delete(key);
        else this.#context.set(key, value);
      }
    }
    return result;
  }

  /** Context set after the last package, for the runner to commit at the end of the run. */
  takePendingContext(): Record<string, string | null> {
    const context = Object.fromEntries(this.#pendingContext);
    this.#pendingContext.clear();
    return context;
  }
}

/**
 * Wraps a connector's main function as SecOps' `@output_handler` does: an uncaught error is
 * logged with its stack and ends the run as failed, with the error recorded.
 */
export function outputHandler<F extends (execution: ConnectorExecution) => Promise<void>>(main: F): F {
  const wrapped = async (execution: ConnectorExecution) => {
    try {
      await main(execution);
    } catch (error) {
      execution.logger.exception(error, "the connector failed");
      throw error;
    }
  };
  return wrapped as F;
}
