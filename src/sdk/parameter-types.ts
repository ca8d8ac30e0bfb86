// The types a connector parameter may have, defined once: the package format, the SDK's
// extractConnectorParam and the console's IDE read this list (a plain module the console imports too).

/** `file`: a path the connector reads; its sandbox lets it read that path (runner/code-process.ts). */
export const PARAMETER_TYPES = ["string", "password", "int", "boolean", "folder", "file"] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];
