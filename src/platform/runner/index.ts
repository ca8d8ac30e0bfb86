// The runner: integration code (a connector's iteration, an action, a job) in code processes, sandboxed child
// processes kept warm or started fresh; a connector's iteration recorded as a run.
export { runConnector, runCounts, RunLog, MAX_LOG_BYTES, MAX_LOG_ENTRIES } from "./run.js";
export { driveCodeProcess } from "./drive.js";
export { codeProcessInit } from "./init.js";
export type { ActionTask, CodeTask, ConnectorTask, JobTask } from "./init.js";
export type { DriveOutcome } from "./drive.js";
export { codeReadRoots, DEFAULT_MEMORY_MB } from "./code-process.js";
export type { RunCounts, RunOptions, RunSummary } from "./run.js";
export { acquireLease } from "./lock.js";
export { enableWarmRunners, processesStarted, stopWarmRunners } from "./pool.js";
export { watchConnector } from "./watch.js";
export type { Watcher, WatchOptions } from "./watch.js";
export { ConnectorLoop } from "./loop.js";
export type { LoopOptions } from "./loop.js";
export { allRuns, findRun, listRuns, RECENT_RUNS, recentRuns } from "./queries.js";
export type { ListedRun, RunQuery } from "./queries.js";
