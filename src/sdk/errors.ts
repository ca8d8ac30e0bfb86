// Typed errors: a code the operator can search for, a message that names the cause, and the HTTP status
// the code is declared with. Codes are declared once with createError; the SDK declares its own here and
// the platform's catalog (src/platform/errors.ts) the rest.

/** A value put in one `%s` of a message template. */
export type MessageValue = string | number | bigint | boolean;

/** One value per `%s` of the template, in order. */
export type MessageValues<Template extends string> = Template extends `${string}%s${infer Rest}`
  ? [MessageValue, ...MessageValues<Rest>]
  : [];

/** What a declaration says about a code. */
export interface ErrorDeclaration {
  readonly code: string;
  /** The message, `%s` where a value goes. */
  readonly template: string;
  /** The HTTP status the API answers with. */
  readonly status: number;
  /** One line for docs/errors.md's table: when the error happens and what to do. */
  readonly meaning: string;
}

/**
 * The status of a code nobody declared. Only a connector raises one (a ConnectorError such as IMAP_AUTH):
 * the failure of the connector or of the source it reads, which the platform stands in front of, as a gateway.
 */
export const UNDECLARED_STATUS = 502;

/** A class made by createError: `new RunInProgress(name, holder)`, with the declaration on the class. */
export type DeclaredErrorClass<Template extends string> = ErrorDeclaration & {
  new (...values: [...MessageValues<Template>, { cause?: unknown }?]): IntakeError;
};

const declarations = new Map<string, DeclaredErrorClass<string>>();

export class IntakeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "IntakeError";
  }
  /** The HTTP status declared for this code (502 for a connector's own code). */
  get status(): number {
    return declarations.get(this.code)?.status ?? UNDECLARED_STATUS;
  }
  /** The one line the CLI and the console print: `CODE: message`. */
  toLine(): string {
    return `${this.code}: ${this.message}`;
  }
  /** The code and message as stored with a run and sent over the API. */
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/**
 * Declares a code once, as fastify's createError: its message template (`%s` for each value, given in order
 * to the constructor, then optionally `{ cause }`), its HTTP status, and what it means.
 */
export function createError<const Template extends string>(
  code: string,
  template: Template,
  status: number,
  meaning: string,
): DeclaredErrorClass<Template> {
  if (!/^[A-Z][A-Z0-9_]*$/.test(code)) throw new Error(`error code ${JSON.stringify(code)}: use capital letters, digits and underscores`);
  if (declarations.has(code)) throw new Error(`error code ${code} is declared twice`);
  if (!Number.isInteger(status) || status < 400 || status > 599)
    throw new Error(`error code ${code}: status ${status} is not an HTTP error status`);
  const pieces = template.split("%s");
  const Declared = class extends IntakeError {
    constructor(...values: unknown[]) {
      const options = values[pieces.length - 1] as { cause?: unknown } | undefined;
      super(
        code,
        pieces.reduce((message, piece, index) => message + String(values[index - 1]) + piece),
        options,
      );
    }
  };
  const declared = Object.assign(Declared, { code, template, status, meaning }) as unknown as DeclaredErrorClass<Template>;
  declarations.set(code, declared as unknown as DeclaredErrorClass<string>);
  return declared;
}

/** Every declared code's class, in the order declared. */
export function declaredErrors(): DeclaredErrorClass<string>[] {
  return [...declarations.values()];
}

/** A connector parameter that is missing or of the wrong type. */
export class ParameterError extends createError(
  "PARAM_INVALID",
  "%s",
  400,
  "a parameter is missing, of the wrong type or out of range; the message names it",
) {
  constructor(message: string) {
    super(message);
    this.name = "ParameterError";
  }
}

export const DateInvalid = createError("DATE_INVALID", "not a date: %s", 400, "a text that should be a date is none");

// runBoundedScript (script.ts): a script a connector runs in a process of its own fails the connector's work, as a gateway's would.
export const ScriptInvalid = createError(
  "SCRIPT_INVALID",
  "a bounded script needs %s",
  502,
  "runBoundedScript was called without a source, or with a bound out of range",
);
export const ScriptOutOfMemory = createError(
  "SCRIPT_OUT_OF_MEMORY",
  "the script needed more than %s MB",
  502,
  "a bounded script went over its memory cap",
);
export const ScriptOutputTooLarge = createError(
  "SCRIPT_OUTPUT_TOO_LARGE",
  "the script wrote more than %s bytes",
  502,
  "a bounded script wrote more than its output bound",
);
export const ScriptTimeout = createError(
  "SCRIPT_TIMEOUT",
  "the script ran past %s ms and was stopped",
  502,
  "a bounded script ran past its deadline",
);
export const ScriptFailed = createError(
  "SCRIPT_FAILED",
  "the script failed: %s",
  502,
  "a bounded script threw or exited with an error; the message has its last line",
);

/**
 * What a connector throws when it cannot do its job at all (bad login, unreachable server…). Its code is the
 * connector's own: it is recorded as the run's failure, and answers 502 should it ever reach the API.
 */
export class ConnectorError extends IntakeError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "ConnectorError";
  }
}
