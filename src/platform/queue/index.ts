// The one queue interface playbook steps run through (pg-boss's shape: send, fetch, complete, fail), and
// the embedded implementation in the store's own tables; queue mode puts pg-boss behind the same interface.
export type { Job, Queue, QueueSize, SendOptions } from "./types.js";
export { EmbeddedQueue } from "./embedded.js";
