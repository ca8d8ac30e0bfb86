// ConnectorExecution: what a connector's main function receives (SecOps' SiemplifyConnectorExecution).
import type { AlertInfo } from "./alert.js";
import { CodeExecution, codeExecutionInit, StagedContext, type ExtractParam, type LogEntry } from "./code-execution.js";

export type { ConnectorLogger, ExtractParam, ExtractParamOptions, LogEntry, LogLevel, ParamInputType } from "./code-execution.js";

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
  /** The integration's own parameters (extractConfigurationParam), and which of them are secrets. */
  configuration?: Record<string, unknown>;
  secretConfiguration?: string[];
}

export class ConnectorExecution extends CodeExecution {
  readonly connectorName: string;
  /** Values set on the connector instance that its code may read (SecOps' whitelist). */
  readonly allowList: readonly string[];
  readonly #parameters: Record<string, unknown>;
  readonly #context: StagedContext;
  readonly #transport: ExecutionTransport;

  constructor(init: ExecutionInit) {
    super(codeExecutionInit({ ...init, log: (entry: LogEntry) => init.transport.log(entry) }));
    this.connectorName = init.connectorName;
    this.allowList = Object.freeze([...init.allowList]);
    this.#parameters = { ...init.parameters };
    this.#context = new StagedContext(init.context);
    this.#transport = init.transport;
  }

  /**
   * Reads one connector parameter, as SecOps' `extract_connector_param`.
   * Throws a ParameterError naming the parameter when it is mandatory and missing, or of the wrong type.
   */
  readonly extractConnectorParam: ExtractParam = ((name: string, options = {}) =>
    this.readParameter(this.#parameters, name, options)) as ExtractParam;

  /** A value this connector stored on an earlier run (SecOps' connector context). */
  getConnectorContext(key: string): string | undefined {
    return this.#context.get(key);
  }

  /**
   * Stores a value for the next runs. It is committed with the next `returnPackage`
   * (in the same transaction as its cases), or at the end of a successful run.
   */
  setConnectorContext(key: string, value: string | null): void {
    this.#context.set(key, value);
  }

  /** The timestamp saved by `saveTimestamp`, in Unix ms (0 when none, or the given default). */
  fetchTimestamp(options: { defaultValue?: number } = {}): number {
    return this.#context.timestamp(options.defaultValue);
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
    const context = this.#context.take();
    const result = await this.#transport.submitPackage(alerts, context);
    // A test run commits nothing: the context stays staged so that later reads still see it.
    if (!result.committed) this.#context.restage(context);
    else this.#context.commit(context);
    return result;
  }

  /** Context set after the last package, for the runner to commit at the end of the run. */
  takePendingContext(): Record<string, string | null> {
    return this.#context.take();
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
