// Typed errors: a code the operator can search for and a message that names the cause.

export class IntakeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "IntakeError";
  }
  /** The one line the CLI and the console print: `CODE: message`. */
  toLine(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** A connector parameter that is missing or of the wrong type. */
export class ParameterError extends IntakeError {
  constructor(message: string) {
    super("PARAM_INVALID", message);
    this.name = "ParameterError";
  }
}

/** What a connector throws when it cannot do its job at all (bad login, unreachable server…). */
export class ConnectorError extends IntakeError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "ConnectorError";
  }
}
