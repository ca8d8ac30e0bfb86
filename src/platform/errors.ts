// The platform's error codes, each declared once with its message template, HTTP status and meaning.
// Throw them as `throw new RunInProgress(name, holder)`; the API answers with the declared status and the
// CLI prints `CODE: message`. The SDK declares its own few (PARAM_INVALID, DATE_INVALID) in src/sdk/errors.ts.
import { createError, declaredErrors } from "../sdk/errors.js";

export { createError, declaredErrors, DateInvalid, IntakeError, ParameterError, type ErrorDeclaration } from "../sdk/errors.js";

// The request itself
export const Validation = createError(
  "VALIDATION",
  "%s",
  400,
  "the request does not match the route's schema; the message names the field",
);
export const BadRequest = createError("BAD_REQUEST", "%s", 400, "a request the server cannot read (body not JSON, wrong content type…)");
export const BodyTooLarge = createError("BODY_TOO_LARGE", "%s", 413, "the request's body is larger than the server accepts (1 MB)");
export const NotFound = createError("NOT_FOUND", "no such route: %s %s", 404, "no route answers this method and path");
export const RateLimited = createError(
  "RATE_LIMITED",
  "%s",
  429,
  "too many requests from this client (sign-in attempts): wait and try again",
);
export const Internal = createError(
  "INTERNAL",
  "internal error (see the server's log)",
  500,
  "a fault of the server; its log has the details",
);

// Sessions and users
export const Unauthenticated = createError("UNAUTHENTICATED", "sign in first", 401, "no session, or the session ended");
export const LoginFailed = createError(
  "LOGIN_FAILED",
  "wrong user name or password",
  401,
  "sign-in refused; which of the two was wrong is not said",
);
export const CsrfRejected = createError(
  "CSRF",
  "missing or wrong %s header",
  403,
  "a change without the X-CSRF-Token header returned at sign-in",
);
export const ActionAdminOnly = createError(
  "ACTION_ADMIN_ONLY",
  "only an admin may run %s by hand (it changes things outside Intake)",
  403,
  "an analyst ran an action its package marks adminOnly (Purge Email, Restore Email)",
);
export const Forbidden = createError(
  "FORBIDDEN",
  "only an admin may change integrations and connectors",
  403,
  "the signed-in user is an analyst",
);
export const SetupLinkRefused = createError(
  "SETUP_LINK",
  "this setup link was used, has expired or is mistyped: restart intake serve to print a new one, or add a user with intake users add",
  404,
  "the first-run link is not (or no longer) good; once any user exists the setup routes answer NOT_FOUND",
);
export const UserNameInvalid = createError(
  "USER_NAME",
  "user name %s: use 1 to 64 letters, digits, dots, dashes, underscores or @",
  400,
  "a user name that is not allowed",
);
export const UserRoleInvalid = createError("USER_ROLE", "role %s: use admin or analyst", 400, "a role other than admin or analyst");
export const UserPasswordInvalid = createError(
  "USER_PASSWORD",
  "%s",
  400,
  "a password shorter than 8 or longer than 1024 characters, or not confirmed",
);

// Cases
export const CaseNotFound = createError("CASE_NOT_FOUND", "no case %s", 404, "no case has this number");
export const CaseMerge = createError("CASE_MERGE", "%s", 400, "a merge without cases to merge, or into a case merged away itself");
export const CaseSingleAlert = createError(
  "CASE_SINGLE_ALERT",
  "alert %s is the only one of case %s: nothing to move it away from",
  400,
  "moving out a case's only alert",
);
export const CaseStatusInvalid = createError(
  "CASE_STATUS",
  "%s",
  400,
  "a status other than open, in_progress or closed, or closing without a reason",
);
export const CasePriorityInvalid = createError(
  "CASE_PRIORITY",
  "priority %s: use one of %s",
  400,
  "a priority that is not on the scale (-1, 40, 60, 80, 100)",
);
export const CaseCommentInvalid = createError("CASE_COMMENT", "a comment needs some text", 400, "a blank comment");
export const AlertNotFound = createError("ALERT_NOT_FOUND", "case %s has no alert %s", 404, "the case has no alert with this id");
export const EmlNotFound = createError(
  "EML_NOT_FOUND",
  `case %s has no stored original message (the connector's "Attach Original EML" parameter keeps it)`,
  404,
  "the case's messages were stored without their original .eml",
);

// Connectors and runs
export const ConnectorNotFound = createError(
  "CONNECTOR_NOT_FOUND",
  "%s",
  404,
  "no connector of this name, or the integration has no such connector definition",
);
export const ConnectorNameInvalid = createError(
  "CONNECTOR_NAME",
  "connector name %s: use 1 to 100 letters, digits, spaces, dots, dashes or underscores",
  400,
  "a connector name that is not allowed",
);
export const ConnectorAmbiguous = createError(
  "CONNECTOR_AMBIGUOUS",
  `integration "%s" has %s connectors: name one with --connector (%s)`,
  400,
  "the integration has several connector definitions and none was named",
);
export const ParamsFile = createError("PARAMS_FILE", "%s", 400, "the --params file cannot be read or is not JSON");
export const IconNotFound = createError("ICON_NOT_FOUND", `integration "%s" has no icon`, 404, "the integration has no icon file");
export const RunNotFound = createError("RUN_NOT_FOUND", "no run %s", 404, "no run has this number");
export const RunInProgress = createError(
  "RUN_IN_PROGRESS",
  `connector "%s" is already running (%s)`,
  409,
  "a run of this connector is under way (on this host or another)",
);

// Integration packages and the IDE
export const IntegrationNotFound = createError("INTEGRATION_NOT_FOUND", "%s", 404, "no integration of this name or short name");
export const IntegrationConflict = createError("INTEGRATION_CONFLICT", "%s", 409, "another integration has this name or short name");
export const IntegrationReadonly = createError(
  "INTEGRATION_READONLY",
  `integration "%s" is built in: export it and import a copy under another name to change it`,
  400,
  "a change to a built-in integration",
);
export const VersionNotFound = createError(
  "VERSION_NOT_FOUND",
  "%s",
  404,
  "no stored version of the integration or connector code has this number",
);
export const PackageInvalid = createError(
  "PACKAGE_INVALID",
  "%s",
  400,
  "an integration package, or a package of alerts from a connector, that does not validate; the message names the file and field",
);
export const ConnectorCompile = createError(
  "CONNECTOR_COMPILE",
  "%s",
  422,
  "the connector's code does not compile; the message gives file, line and column",
);
export const ConnectorTypes = createError("CONNECTOR_TYPES", "%s", 422, "the connector's code does not type-check against the SDK");
export const IdeCheck = createError(
  "IDE_CHECK",
  "%s",
  422,
  "code saved or played in the IDE does not validate, compile or type-check (diagnostics by place)",
);
export const DependencyInstall = createError(
  "DEPENDENCY_INSTALL",
  `integration "%s": npm could not install %s: %s`,
  502,
  "npm could not install the package's dependencies (an unknown name or version, or the registry unreachable)",
);
export const PackageLink = createError(
  "PACKAGE_LINK",
  "%s: links leaving the package are refused: %s",
  400,
  "an imported package holds a symbolic link to a place outside its folder (each is named)",
);
export const DependencyRefused = createError(
  "DEPENDENCY_REFUSED",
  `integration "%s": %s`,
  400,
  "a dependency given as file:, link:, git or a URL, or one that needs an install script (npm runs with --ignore-scripts); each is named",
);
export const FileParameterRefused = createError(
  "FILE_PARAMETER",
  `file parameter "%s" %s`,
  400,
  "a file parameter set by an analyst's run or a playbook step, holding a placeholder, or naming a path " +
    "outside INTAKE_FILE_ROOTS (default: the data folder's files/ and the temporary folder) or the data folder's " +
    "own",
);
export const ExportTarget = createError(
  "EXPORT_TARGET",
  "%s exists and is not empty: export into a new or empty folder",
  409,
  "the export folder already holds files",
);
export const PlayBusy = createError(
  "PLAY_BUSY",
  "%s test runs are under way: wait for one to end",
  409,
  "too many IDE Play runs at once on this server",
);

// How a run ended, recorded with the run (the API's Run once and Test answer 200 with it)
// The first value names the kind of code: connector, action or job.
export const RunTimeout = createError(
  "RUN_TIMEOUT",
  "the %s ran past its timeout of %s s and was stopped",
  504,
  "the run went past the connector's timeoutSeconds",
);
export const RunOutOfMemory = createError(
  "RUN_OUT_OF_MEMORY",
  "the %s ran out of memory (cap %s MB) and was stopped",
  502,
  "the code's process went over its heap cap (memoryMb), or its whole process tree over the resident cap the " +
    "platform watches (memoryMb + 64 MB)",
);
export const RunSpoolTooLarge = createError(
  "RUN_SPOOL_TOO_LARGE",
  "the %s's spool passed %s MB and it was stopped",
  502,
  "the code's process wrote more to its spool folder than the platform allows at once",
);
export const SandboxUnavailable = createError(
  "SANDBOX_UNAVAILABLE",
  "INTAKE_SANDBOX=strict and bubblewrap cannot run here (%s): integration code is not run",
  503,
  "strict sandboxing asked for where bubblewrap's namespaces cannot be made; install bubblewrap or allow user namespaces",
);
export const SandboxDenied = createError(
  "ERR_ACCESS_DENIED",
  "the %s's process may not %s (sandbox)",
  502,
  "the connector's code did what its sandbox forbids (read outside its folders, write outside its spool, start " +
    "a process…); Node's own code",
);
export const RunCrashed = createError(
  "RUN_CRASHED",
  "the %s's process ended without finishing (%s)",
  502,
  "the connector's process exited or was killed before it finished",
);
export const ConnectorFailed = createError("CONNECTOR_FAILED", "%s", 502, "the connector threw an error without a code of its own");
export const ConnectorInvalid = createError(
  "CONNECTOR_INVALID",
  "the %s's module has no default export function (export default async function main(execution) {…})",
  502,
  "the connector's module exports no main function",
);
export const ConnectorNoPing = createError(
  "CONNECTOR_NO_PING",
  "the connector does not export a ping function (export async function ping(execution) {…})",
  502,
  "ping asked of a connector without a ping function",
);
export const ConnectorNoWatch = createError(
  "CONNECTOR_NO_WATCH",
  "the connector does not export a watch function (export async function watch(execution, onNewItems) {…})",
  502,
  "watch asked of a connector without a watch function",
);
export const AlertInvalid = createError(
  "ALERT_INVALID",
  "%s",
  502,
  "one alert of a connector's package does not validate and is not stored (the run's log names it)",
);
export const PackageAfterFailure = createError(
  "PACKAGE_AFTER_FAILURE",
  "not stored: an earlier package of this run failed (%s)",
  409,
  "a package sent after one that was not stored (its checkpoint would skip the failed items)",
);
export const IngestFailed = createError(
  "INGEST_FAILED",
  "%s",
  500,
  "storing a package failed for a reason of the platform's (the database…)",
);
export const RunSpawn = createError(
  "RUN_SPAWN",
  "cannot start the connector's process: %s",
  500,
  "the platform could not start a process for the run",
);
export const RunFailed = createError("RUN_FAILED", "%s", 500, "the run failed for a reason of the platform's");

// The platform's own state
export const SecretKey = createError(
  "SECRET_KEY",
  "%s",
  500,
  "the key that encrypts stored passwords cannot be read or created, or has changed",
);
export const DatabaseOpen = createError("DB_OPEN", "%s", 500, "the database cannot be opened");
export const DatabaseMigrate = createError(
  "DB_MIGRATE",
  "database migration %s failed: %s",
  500,
  "a migration of the database schema failed",
);
export const SchemaNewer = createError(
  "SCHEMA_NEWER",
  "the database has migrations this Intake does not know (%s); run a newer Intake",
  503,
  "a newer Intake migrated the database: this older one refuses to start (and its health check answers 503) rather than misread the schema",
);
export const SchemaBehind = createError(
  "SCHEMA_BEHIND",
  "migrations not run on the database yet: %s",
  503,
  "the health check found migrations this Intake knows but the database has not run (they run when a process starts)",
);
export const HealthListen = createError(
  "HEALTH_LISTEN",
  "cannot serve health checks on port %s: %s",
  500,
  "intake worker cannot listen on its --health-port (in use, or not allowed)",
);
export const DatabaseUnreachable = createError(
  "DB_UNREACHABLE",
  "the database does not answer (the server's log says why)",
  503,
  "the health check could not query the database (stopped, unreachable, or too slow); the driver's error is in " +
    "the server's log, not the answer",
);
export const ServePort = createError("SERVE_PORT", "--port must be 0 to 65535, got %s", 400, "intake serve was given a port out of range");
export const ServeTrustProxy = createError(
  "SERVE_TRUST_PROXY",
  "--trust-proxy %s: %s",
  400,
  "intake serve was given a --trust-proxy that is not addresses, CIDRs or loopback",
);
export const ServeListen = createError(
  "SERVE_LISTEN",
  "cannot listen on %s: %s",
  500,
  "intake serve cannot listen on the address (in use, or not allowed)",
);

/** docs/errors.md's table of codes (scripts/error-table.mjs writes it; a test checks it is current). */
export function errorTable(): string {
  const rows = declaredErrors()
    .sort((a, b) => (a.code < b.code ? -1 : 1))
    .map((declaration) => `| \`${declaration.code}\` | ${declaration.status} | ${declaration.meaning.replaceAll("|", "\\|")} |`);
  return ["| code | HTTP status | meaning |", "|---|---|---|", ...rows].join("\n");
}

// Actions, jobs and integration parameters (issue 19, part A)
export const ActionNotFound = createError("ACTION_NOT_FOUND", "%s", 404, "no action of this name in the integration (Integration/Action)");
export const PlatformServiceUnknown = createError(
  "PLATFORM_SERVICE",
  "integration code asked the platform for a service it does not offer: %s",
  400,
  "an action or job asked the platform (askPlatform) for a service that does not exist",
);
export const ActionFailed = createError(
  "ACTION_FAILED",
  "%s",
  502,
  "the action threw an error without a code of its own, or ended with the failed state",
);
export const ActionRunNotFound = createError("ACTION_RUN_NOT_FOUND", "no action run %s", 404, "no action run has this number");
export const JobNotFound = createError("JOB_NOT_FOUND", "%s", 404, "no job of this name in the integration");
export const JobFailed = createError("JOB_FAILED", "%s", 502, "the job threw an error without a code of its own");

// Playbooks (issue 19, part B)
export const PlaybookInvalid = createError(
  "PLAYBOOK_INVALID",
  "%s has %s problem(s): %s",
  400,
  "a playbook that does not validate; the message names every problem (unknown action, parameter, a step read before it runs, a loop…)",
);
export const PlaybookNotFound = createError("PLAYBOOK_NOT_FOUND", `no playbook "%s"`, 404, "no playbook has this name");
export const PlaybookFile = createError("PLAYBOOK_FILE", "%s", 400, "the playbook file cannot be read or is not JSON");
export const PlaybookRunNotFound = createError(
  "PLAYBOOK_RUN_NOT_FOUND",
  "%s",
  404,
  "no playbook run of this number, or the run has no step of this id",
);
export const PlaybookApproval = createError(
  "PLAYBOOK_APPROVAL",
  "step %s of run %s is not waiting for approval (it is %s)",
  409,
  "an approval or rejection of a step that is not waiting for one",
);

// Threat-intel feeds (issue 20, part A)
export const FeedNotFound = createError("FEED_NOT_FOUND", `no feed "%s"`, 404, "no threat-intel feed has this name");
export const FeedInvalid = createError(
  "FEED_INVALID",
  "%s",
  400,
  "a feed whose name, format, source or interval is not allowed; the message names which",
);
export const FeedRefreshRunning = createError(
  "FEED_REFRESH_RUNNING",
  `feed "%s" is being refreshed (%s): this refresh was not started`,
  409,
  "a refresh of this feed is under way (in this process or another): one at a time",
);
export const FeedSourceOutsideRoots = createError(
  "FEED_SOURCE",
  "%s",
  400,
  "a feed's source is neither an https URL nor under INTAKE_FILE_ROOTS (default: the data folder's files/ and " +
    "the temporary folder), or is the data folder's own; the message names the source",
);
export const FeedRefreshFailed = createError(
  "FEED_REFRESH",
  `feed "%s" not refreshed, its previous indicators kept: %s`,
  502,
  "a feed's file could not be read (a bad header, a broken line, an unknown pattern: the message names the " +
    "line or object) or its job failed; the feed keeps its previous indicators",
);
export const IntelRequestInvalid = createError(
  "INTEL_REQUEST",
  "%s",
  400,
  "integration code asked the threat-intel service with a payload that does not validate (too many items, an " +
    "indicator of an unknown kind…)",
);

// Verdicts and phishing triage (issue 20, part B)
export const CaseVerdictInvalid = createError(
  "CASE_VERDICT",
  "%s",
  400,
  "a verdict other than malicious, suspicious, benign, simulation or unknown, or an override without a reason",
);

// Custom lists admins edit (issue 28)
export const ListNotFound = createError(
  "LIST_NOT_FOUND",
  `no custom list "%s" (known: %s)`,
  404,
  "no custom list has this name (Shared Infrastructure, Shorteners, Brands, VIPs)",
);
export const ListInvalid = createError(
  "LIST_INVALID",
  `custom list "%s": %s`,
  400,
  "a custom list's entries that are not allowed: too many (10,000), one too long (500 characters), not text, or a file that cannot be read",
);

// Replies to reporters: the outbox, SMTP and reply templates (issue 20, part C)
export const SmtpNotConfigured = createError(
  "SMTP_NOT_CONFIGURED",
  "the email integration's %s (intake integration configure email --params FILE.json)",
  400,
  "mail cannot be sent: a parameter of the email integration's SMTP settings is missing or not valid",
);
export const SmtpFailed = createError(
  "SMTP_FAILED",
  "SMTP %s: %s",
  502,
  "the SMTP server could not be reached or refused the message (the outbox tries again later)",
);
export const ReplyTemplateInvalid = createError(
  "REPLY_TEMPLATE_INVALID",
  "reply template %s: %s",
  400,
  "a reply template with an unknown verdict, language or placeholder, or a part missing or too long",
);
export const OutboxInterrupted = createError(
  "OUTBOX_INTERRUPTED",
  "the process sending this message stopped %s; %s",
  500,
  "a message's sending was cut short by a crash: sent again only when the server surely did not get it",
);

// Cleaning mailboxes: moves into a quarantine folder and back (issue 31)
export const MailboxMovesInvalid = createError(
  "MAILBOX_MOVES_INVALID",
  "mailbox moves: %s",
  400,
  "an action asked to record a mailbox move the platform refuses: a malformed request, another case's move, a " +
    "change of state a move cannot take, or a test run",
);

// Queue mode: workers on one PostgreSQL through pg-boss (issue 21)
export const QueueNeedsPostgres = createError(
  "QUEUE_NEEDS_POSTGRES",
  "queue mode needs a PostgreSQL database (INTAKE_DB=postgres://…); this one is %s",
  400,
  "intake worker or intake serve --queue was started on SQLite: queue mode shares its work through PostgreSQL",
);
export const QueueStart = createError(
  "QUEUE_START",
  "the queue (pg-boss) cannot start on the database: %s",
  503,
  "pg-boss could not install or open its schema in the database (unreachable, no right to create a schema)",
);
export const WorkerConcurrency = createError(
  "WORKER_CONCURRENCY",
  "--concurrency %s: use a whole number from 1 to 256",
  400,
  "intake worker was given a concurrency that is not a whole number from 1 to 256",
);
export const WorkerHealthPort = createError(
  "WORKER_HEALTH_PORT",
  "--health-port %s: use a TCP port from 0 to 65535",
  400,
  "intake worker was given a health port that is not a TCP port",
);
export const QueueNoWorker = createError(
  "QUEUE_NO_WORKER",
  `no worker took the run of connector "%s" within %s s; start intake worker (or another, when all are busy)`,
  503,
  "queue mode: Run once or Test was sent to the workers and none took it in time (none running, or all busy); it is withdrawn",
);
export const QueueRunLost = createError(
  "QUEUE_RUN_LOST",
  `the worker running connector "%s" gave no result within %s s (stopped or lost); see the connector's runs`,
  503,
  "queue mode: the worker that took Run once or Test did not answer in time (it was killed, or lost its database)",
);
