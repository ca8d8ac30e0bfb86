// The one queue interface (pg-boss's shape), apart from its implementations so that they import it without a cycle.
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/index.js";

export interface SendOptions {
  /** At most one job of this key waiting or under way: a second send of it is dropped (null). */
  singletonKey?: string;
  /** Not before this time (Unix ms). */
  startAfter?: number;
  /** Times a failed job is tried again, after retryDelay seconds (doubled each time with retryBackoff). */
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
  /** Send inside this transaction (pg-boss: its `db` option): the job exists exactly when the transaction commits. */
  db?: Kysely<Database> | Transaction<Database>;
}

export interface Job<T> {
  id: string;
  name: string;
  data: T;
  retryCount: number;
}

export interface QueueSize {
  /** Waiting and due now. */
  ready: number;
  /** Waiting for their start time. */
  delayed: number;
  active: number;
  /** When the first delayed one is due (Unix ms), null when none. */
  nextAt: number | null;
}

export interface Queue {
  send<T extends object>(name: string, data: T, options?: SendOptions): Promise<string | null>;
  /** Takes up to batchSize due jobs of this name for this worker. */
  fetch<T>(name: string, options?: { batchSize?: number }): Promise<Job<T>[]>;
  complete(name: string, id: string, output?: unknown): Promise<void>;
  /** Fails a job: it waits again when it has retries left. */
  fail(name: string, id: string, error: unknown): Promise<void>;
  size(name: string): Promise<QueueSize>;
  /** Puts back the jobs taken by workers that died (a killed process), so that another takes them. */
  recover(name: string): Promise<number>;
}
