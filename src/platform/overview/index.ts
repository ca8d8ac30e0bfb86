// The overview: what the console's first page counts.
export { overview, OVERVIEW_DAYS } from "./queries.js";
