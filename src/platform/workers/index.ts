// Queue mode's worker processes: their registry (heartbeat, list) and the worker that takes connector runs,
// push watchers, playbook steps and the outbox from the queue.
export { HEARTBEAT_MS, LOST_AFTER_MS, listWorkers, registerWorker, workerState } from "./registry.js";
export type { ListedWorker, Registration, WorkerState } from "./registry.js";
export { startWorker } from "./worker.js";
export type { RunningWorker, WorkerOptions } from "./worker.js";
