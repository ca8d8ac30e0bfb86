// The runner: one iteration of a connector, isolated in a child process.
export { runConnector, RunLog, MAX_LOG_BYTES, MAX_LOG_ENTRIES } from "./run.js";
export { driveConnector } from "./drive.js";
export type { DriveOutcome } from "./drive.js";
export { connectorReadRoots, DEFAULT_MEMORY_MB } from "./process.js";
export type { RunOptions, RunSummary } from "./run.js";
export { acquireLease } from "./lock.js";
export { enableWarmRunners, processesStarted, stopWarmRunners } from "./pool.js";
export { watchConnector } from "./watch.js";
export type { Watcher, WatchOptions } from "./watch.js";
export { ConnectorLoop } from "./loop.js";
export type { LoopOptions } from "./loop.js";
export { allRuns, findRun, listRuns, RECENT_RUNS, recentRuns } from "./queries.js";
export type { ListedRun, RunQuery } from "./queries.js";
