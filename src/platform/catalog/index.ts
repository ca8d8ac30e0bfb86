// The catalog: integration packages, connector definitions and connector instances.
export * from "./package.js";
export * from "./parameters.js";
export * from "./integrations.js";
export * from "./connectors.js";
export * from "./settings.js";
export { compileCode, compileConnector, SDK_ENTRY } from "./compile.js";
export { codeOf, importIntegration, exportIntegration, importedIntegrationsRoot, listIntegrationVersions, slugOf } from "./install.js";
export type { ImportOptions, ImportResult, IntegrationVersion } from "./install.js";
export { typeCheckIntegration, assertTypesCheck, SDK_TYPES } from "./typecheck.js";
