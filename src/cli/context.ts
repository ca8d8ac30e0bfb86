// What every command gets: the store, opened on first use from --db / INTAKE_DB.
import type { Store } from "../platform/store/index.js";

export type WithStore = <T>(work: (store: Store) => Promise<T>) => Promise<T>;
