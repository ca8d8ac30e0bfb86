// JobExecution: what a job's main function receives (SecOps' SiemplifyJob): its parameters, the
// integration's, a context kept between runs, and the logger.
import { CodeExecution, codeExecutionInit, StagedContext, type ExtractParam, type IntegrationCodeInit } from "./code-execution.js";
import { INTEL_SERVICES, MAX_INDICATORS_PER_CHUNK, type FeedIndicator } from "./intel.js";

export interface JobExecutionInit extends IntegrationCodeInit {
  jobName: string;
  context: Record<string, string>;
}

export class JobExecution extends CodeExecution {
  readonly integrationName: string;
  readonly jobName: string;
  readonly #parameters: Record<string, unknown>;
  readonly #context: StagedContext;

  constructor(init: JobExecutionInit) {
    super(codeExecutionInit(init));
    this.integrationName = init.integrationName;
    this.jobName = init.jobName;
    this.#parameters = { ...init.parameters };
    this.#context = new StagedContext(init.context);
  }

  /** Reads one of the job's parameters, as SecOps' `extract_job_param`. */
  readonly extractJobParam: ExtractParam = ((name: string, options = {}) =>
    this.readParameter(this.#parameters, name, options)) as ExtractParam;

  /** A value this job saved on an earlier run. */
  getContext(key: string): string | undefined {
    return this.#context.get(key);
  }

  /** Saves a value for the next runs: committed when this run ends well (never by a test run). */
  saveContext(key: string, value: string | null): void {
    this.#context.set(key, value);
  }

  /** The timestamp saved by `saveTimestamp`, in Unix ms (0 when none, or the given default). */
  fetchTimestamp(options: { defaultValue?: number } = {}): number {
    return this.#context.timestamp(options.defaultValue);
  }

  saveTimestamp(timestamp: number): void {
    this.saveContext("timestamp", String(Math.trunc(timestamp)));
  }

  /**
   * A threat-intel feed's job hands the indicators it read to the platform, a chunk at a time (at most
   * MAX_INDICATORS_PER_CHUNK): they replace the feed's indicators only when the job ends well. Only a job
   * the platform runs to refresh a feed may (`intake feeds refresh`); others are refused.
   */
  async handOverIndicators(indicators: FeedIndicator[]): Promise<void> {
    if (indicators.length > MAX_INDICATORS_PER_CHUNK)
      throw new RangeError(`handOverIndicators: at most ${MAX_INDICATORS_PER_CHUNK} indicators per call, got ${indicators.length}`);
    await this.askPlatform(INTEL_SERVICES.handOver, { indicators });
  }

  /** The context to commit, for the platform. */
  takeContext(): Record<string, string | null> {
    return this.#context.take();
  }
}
