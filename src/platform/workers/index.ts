// Queue mode's worker processes: their registry (heartbeat, list), the worker that takes connector runs (the
// console's Run once and Test too, sent and awaited by serve through runOnWorker),
// push watchers, playbook steps and the outbox from the queue.
export { HEARTBEAT_MS, LOST_AFTER_MS, listWorkers, registerWorker, workerState } from "./registry.js";
export type { ListedWorker, Registration, WorkerState } from "./registry.js";
export { configuredWaitSeconds, runOnWorker } from "./run-now.js";
export type { RunNowJob, RunNowResult } from "./run-now.js";
export { startWorker } from "./worker.js";
export type { RunningWorker, WorkerOptions } from "./worker.js";
