/**
 * Every error opsbook reports has a stable code from this catalogue. docs/errors.md's "Error codes"
 * table is kept in sync with it by a test (test/docs-sync.test.ts). Codes are never renamed or
 * reused; a retired code stays here marked `retired: true`.
 *
 * `kind` says what went wrong in transport-neutral words; the HTTP edge maps kinds to statuses.
 */
export type ErrorKind =
  | 'invalid' // the input is wrong: config, markdown, API body, CLI flag
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unavailable' // a dependency (store, probe target) cannot be reached
  | 'overloaded' // too much work queued: retry later
  | 'internal';

export interface ErrorSpec {
  kind: ErrorKind;
  /** One line for the docs/errors.md table. */
  summary: string;
  retired?: boolean;
}

export const ERROR_CATALOGUE = {
  // config/
  OPSBOOK_E_CONFIG_READ: { kind: 'invalid', summary: 'A config file or directory cannot be read.' },
  OPSBOOK_E_CONFIG_YAML: { kind: 'invalid', summary: 'A config file is not valid YAML.' },
  OPSBOOK_E_CONFIG_UNKNOWN_KEY: { kind: 'invalid', summary: 'A key the schema does not know (often a typo).' },
  OPSBOOK_E_CONFIG_INVALID: { kind: 'invalid', summary: 'A value has the wrong type or is out of range.' },
  OPSBOOK_E_CONFIG_DURATION: { kind: 'invalid', summary: 'A duration is malformed or outside its allowed range.' },
  OPSBOOK_E_CONFIG_ENV_MISSING: { kind: 'invalid', summary: 'A `${VAR}` names an environment variable that is not set.' },
  OPSBOOK_E_CONFIG_DUPLICATE_ID: { kind: 'invalid', summary: 'The same id is defined twice (both places are named).' },
  OPSBOOK_E_CONFIG_REFERENCE: { kind: 'invalid', summary: 'A reference names something that does not exist.' },
  OPSBOOK_E_CONFIG_DUPLICATE_SECTION: { kind: 'invalid', summary: 'A one-object section (server, storage) is set in two files (both are named).' },
  OPSBOOK_E_CONFIG_TOO_LARGE: { kind: 'invalid', summary: 'A config file is larger than `config.max_bytes` (default 5 MB); it is refused before parsing.' },
  OPSBOOK_E_CONFIG_ENV_SYNTAX: { kind: 'invalid', summary: 'A `${` is not a well-formed variable reference; write `$${` for a literal `${`.' },

  // store/
  OPSBOOK_E_STORE_UNAVAILABLE: { kind: 'unavailable', summary: 'The store cannot be opened or reached (connection refused, too many connections, PostgreSQL shut down or ended the connection mid-request).' },
  OPSBOOK_E_FENCED: { kind: 'conflict', summary: 'A write was refused: the lease it was made under has passed to another process (docs/cluster.md).' },
  OPSBOOK_E_STORE_MIGRATION: { kind: 'internal', summary: 'A migration failed; the store is left at the last good version.' },
  OPSBOOK_E_STORE_NEWER: { kind: 'unavailable', summary: 'The store was written by a newer opsbook (a schema this binary does not know); it refuses rather than misread it.' },
  OPSBOOK_E_BACKUP_TARGET: { kind: 'conflict', summary: 'The backup file already exists; opsbook never overwrites a backup.' },
  OPSBOOK_E_BACKUP_FAILED: { kind: 'unavailable', summary: 'The backup could not be taken or does not hold the store’s tables (pg_dump missing or failing, disk full).' },
  OPSBOOK_E_RESTORE_SOURCE: { kind: 'invalid', summary: 'The file given to `opsbook restore` is not a backup of an opsbook store, or is damaged.' },
  OPSBOOK_E_RESTORE_NOT_EMPTY: { kind: 'conflict', summary: '`opsbook restore` only restores into an empty store; the configured one holds data.' },
  OPSBOOK_E_STORE_FULL: { kind: 'unavailable', summary: 'The store cannot write: its disk is full (SQLITE_FULL, ENOSPC, PostgreSQL 53100). Pages still go out from memory; answered with Retry-After of `storage.full_retry`; see docs/operating.md.' },
  OPSBOOK_E_STORE_BUSY: { kind: 'unavailable', summary: "The store is held by another process past the wait (SQLite's write lock past the 5 s wait; PostgreSQL lock or statement timeout, serialization failure, deadlock). Nothing was changed; answered with Retry-After, try again." },
  OPSBOOK_E_STORE_CONTENDED: { kind: 'overloaded', summary: "Another process kept taking the sequence number a write read (an incident's timeline written by many processes at once); answered with Retry-After, retry it." },
  OPSBOOK_E_ARCHIVE_EXISTS: { kind: 'conflict', summary: 'The audit archive file already exists; opsbook never overwrites an archive.' },
  OPSBOOK_E_ARCHIVE_INVALID: { kind: 'invalid', summary: 'A file given to `audit verify --archive` is not an opsbook audit archive (the line is named).' },
  OPSBOOK_E_AUDIT_CHAIN: { kind: 'conflict', summary: 'The audit chain in the store does not continue from its last archive; verify it before archiving.' },
  OPSBOOK_E_STORE_URL: { kind: 'invalid', summary: '`storage.url` is neither a file path nor a postgres:// URL.' },

  // identity/
  OPSBOOK_E_AUTH_REQUIRED: { kind: 'unauthenticated', summary: 'No credentials were given.' },
  OPSBOOK_E_AUTH_INVALID: { kind: 'unauthenticated', summary: 'The token is unknown, revoked or expired.' },
  OPSBOOK_E_FORBIDDEN: { kind: 'forbidden', summary: 'The actor’s role does not allow this action.' },
  OPSBOOK_E_USER_UNKNOWN: { kind: 'not_found', summary: 'No user with that name is configured.' },
  OPSBOOK_E_TOKEN_UNKNOWN: { kind: 'not_found', summary: 'No token with that id exists.' },

  // checks/
  OPSBOOK_E_CHECK_CONDITION: { kind: 'invalid', summary: 'A check condition does not parse (the column is named).' },
  OPSBOOK_E_CHECK_PLACEHOLDER: { kind: 'invalid', summary: 'A condition names a placeholder its check kind does not fill.' },
  OPSBOOK_E_CHECK_UNKNOWN: { kind: 'not_found', summary: 'No check with that id is configured.' },
  OPSBOOK_E_HEARTBEAT_UNKNOWN: { kind: 'not_found', summary: 'No heartbeat check has that URL token.' },

  // alerts/
  OPSBOOK_E_RULE_FILE_INVALID: { kind: 'invalid', summary: 'A Prometheus rule file named by `rule_files:` is missing or wrong (file:line given).' },

  // runbooks/
  OPSBOOK_E_RUNBOOK_READ: { kind: 'invalid', summary: 'A runbook file cannot be read (missing, a directory, no permission).' },
  OPSBOOK_E_RUNBOOK_TOO_LARGE: { kind: 'invalid', summary: 'A runbook file is over 2 MB; it is refused before it is read.' },
  OPSBOOK_E_PROCEDURE_NOT_FOUND: { kind: 'not_found', summary: 'A `FILE#ID` procedure reference names no procedure.' },

  // executions/
  OPSBOOK_E_EXECUTION_NOT_FOUND: { kind: 'not_found', summary: 'No execution with that id exists.' },
  OPSBOOK_E_EXECUTION_STEP: { kind: 'invalid', summary: 'The step does not exist, is manual, or cannot run here (the reason is named).' },
  OPSBOOK_E_EXECUTION_PARAM: { kind: 'invalid', summary: 'A placeholder has no value: pass --param NAME=VALUE or set procedures[…].params.' },
  OPSBOOK_E_EXECUTION_CONFIRM: { kind: 'forbidden', summary: 'A write, unknown or destructive step was not confirmed (destructive: type its target; --yes is not enough).' },
  OPSBOOK_E_EXECUTION_LOCKED: { kind: 'conflict', summary: 'Another execution holds the service’s destructive-step lock.' },
  OPSBOOK_E_EXECUTION_STATE: { kind: 'conflict', summary: 'The execution has already finished or been cancelled, or the step is running already.' },
  OPSBOOK_E_EXECUTION_CRON: { kind: 'invalid', summary: 'A procedure with `cron` has steps that are neither read nor pre_approved.' },

  // notify/
  OPSBOOK_E_CHANNEL_UNKNOWN: { kind: 'not_found', summary: 'No notification channel with that id is configured.' },
  OPSBOOK_E_OUTBOX_UNKNOWN: { kind: 'not_found', summary: 'No outbox message with that id exists.' },
  OPSBOOK_E_OUTBOX_NOT_DEAD: { kind: 'conflict', summary: 'Only a dead-lettered message can be re-driven.' },

  // incidents/ and alerts/
  OPSBOOK_E_INCIDENT_UNKNOWN: { kind: 'not_found', summary: 'No incident with that id exists.' },
  OPSBOOK_E_INCIDENT_TRANSITION: { kind: 'conflict', summary: 'The incident cannot move to that state from its current one (the allowed moves are named).' },
  OPSBOOK_E_INCIDENT_INVALID: { kind: 'invalid', summary: 'A manual incident, note or change event is malformed (empty title, unknown severity or kind).' },
  OPSBOOK_E_SILENCE_INVALID: { kind: 'invalid', summary: 'A silence has no matcher naming a value, an empty value for = or !=, a bad regex, or ends before it starts.' },
  OPSBOOK_E_SILENCE_UNKNOWN: { kind: 'not_found', summary: 'No live silence with that id exists.' },

  // oncall/
  OPSBOOK_E_OVERRIDE_INVALID: { kind: 'invalid', summary: 'An on-call override or swap is malformed: unknown user, a covered person not on the schedule or not on call then, end before start or in the past, no reason (the field is named).' },
  OPSBOOK_E_OVERRIDE_OVERLAP: { kind: 'conflict', summary: 'An on-call override would overlap another schedule-wide override of the same schedule (the other one is named).' },
  OPSBOOK_E_OVERRIDE_UNKNOWN: { kind: 'not_found', summary: 'No on-call override with that id exists.' },
  OPSBOOK_E_CALENDAR_FEED_UNKNOWN: { kind: 'not_found', summary: 'No calendar feed with that id exists, or it is already revoked.' },

  // config-tests/ (opsbook test)
  OPSBOOK_E_TEST_FILE_INVALID: { kind: 'invalid', summary: 'An `opsbook test` file is malformed or names a check, user, severity or incident the config lacks (file:line given).' },

  // http/ sign-in and web UI
  OPSBOOK_E_PASSWORD_WEAK: { kind: 'invalid', summary: 'A new UI password is too short (at least 12 characters) or too long.' },
  OPSBOOK_E_CSRF_INVALID: { kind: 'forbidden', summary: 'A request with a session cookie lacks the session’s CSRF token (form field _csrf or X-CSRF-Token header).' },

  // cli/ and http/
  OPSBOOK_E_LISTEN: { kind: 'unavailable', summary: '`opsbook serve` cannot bind its HTTP port: already in use, not permitted, or no such address.' },
  OPSBOOK_E_STOPPING: { kind: 'unavailable', summary: 'opsbook is shutting down: the part named was not started (a signal arrived during start-up), or the runbook step named was not run.' },
  OPSBOOK_E_USAGE: { kind: 'invalid', summary: 'A command-line flag or argument is missing or malformed.' },
  OPSBOOK_E_INGEST_OVERLOADED: { kind: 'overloaded', summary: 'More alerts are waiting than `server.ingest_queue` allows; retry after the Retry-After seconds.' },
  OPSBOOK_E_REQUEST_TOO_LARGE: { kind: 'invalid', summary: 'A request body is over the route’s limit (1 MB; 32 MB for ingest).' },
  OPSBOOK_E_REQUEST_INVALID: { kind: 'invalid', summary: 'An API request body or query does not match its schema.' },
  OPSBOOK_E_NOT_FOUND: { kind: 'not_found', summary: 'The requested object does not exist.' },
  OPSBOOK_E_INTERNAL: { kind: 'internal', summary: 'An unexpected failure; the log has the details.' },
  OPSBOOK_E_PIPELINE_OFF: { kind: 'unavailable', summary: 'This process runs without the operations pipeline (checks, incidents, notifications).' },
  OPSBOOK_E_INTEGRATION_KEY: { kind: 'unauthenticated', summary: 'An ingest request carries no integration key, or one no integration has.' },
  OPSBOOK_E_ACTION_LINK: { kind: 'unauthenticated', summary: 'An acknowledge/resolve link is malformed, tampered with, expired, or names someone not in users:.' },
  OPSBOOK_E_ACTION_LINK_STALE: { kind: 'conflict', summary: 'An acknowledge/resolve link was sent for an earlier opening of an incident that has re-opened since.' },
  OPSBOOK_E_WEBHOOK_SIGNATURE: { kind: 'unauthenticated', summary: 'A signed request from Slack or PagerDuty has no valid signature, a stale timestamp, or names no such channel.' },
  OPSBOOK_E_SLACK_USER: { kind: 'forbidden', summary: 'A Slack user acted on a message but no user in users: has that Slack member id as a slack contact (or may not respond).' },
  OPSBOOK_E_CALLBACK_SIGNATURE: { kind: 'unauthenticated', summary: 'A provider callback (voice key press) lacks a valid request signature, or names no such channel.' },
  // statuspage/
  OPSBOOK_E_STATUS_PAGE: { kind: 'invalid', summary: 'A status-page action cannot be done: the incident’s service is not public, the incident is not published yet, an update is empty or too long, or an email address is malformed.' },
  OPSBOOK_E_STATUS_SUBSCRIBERS_FULL: { kind: 'conflict', summary: 'The status page has as many subscribers as `status_page.subscribers.max` allows.' },
  // gameday/
  OPSBOOK_E_GAMEDAY_INVALID: { kind: 'invalid', summary: 'A game-day file (gameday.yaml) is malformed or names a fault, check or procedure the system lacks (file and path given).' },
  OPSBOOK_E_GAMEDAY_WORLD: { kind: 'unavailable', summary: 'The game-day world cannot be built: PostgreSQL, redis-server, openssl or the stand-in is missing or did not start.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
