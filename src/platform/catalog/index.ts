// The catalog: integration packages, connector definitions and connector instances.
export * from "./package.js";
export * from "./parameters.js";
export * from "./integrations.js";
export * from "./connectors.js";
export { compileConnector, CompileError, SDK_ENTRY } from "./compile.js";
