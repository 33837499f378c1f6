/**
 * Which settings a config reload applies, by key path as in the reference (docs/configuration.md).
 *
 * RESTART_ONLY: read once, when the daemon starts. A reload that changes one keeps the running
 * value in force (the daemon's config keeps it too, so nothing reads a value not in effect), names
 * it in one warning, counts the reload `partial` and sets `opsbook_config_restart_needed{setting}`.
 * Adding a key the daemon reads only at start means adding it here, with why.
 */
export const RESTART_ONLY = {
  'server.port': 'serve binds its port once, at start.',
  'server.host': 'serve binds its address once, at start.',
  'storage.url': 'the store is opened once, at start.',
  'storage.data_dir': 'the store (SQLite at DATA_DIR/opsbook.db when storage.url is absent) is opened once, at start.',
  'storage.cluster.lease':
    "set at start: the cluster membership's renewals, the store connections' idle-in-transaction timeout, and how often steps left running by a stopped opsbook are looked for.",
  'storage.cluster.partitions': "the cluster's leases are laid out at start; every process must use the same number.",
  'storage.cluster.member': 'the process joins the cluster under its name at start (taking over its previous incarnation then).',
  'audit.head_file': 'the audit head is checked against, and published to, the file named at start.',
} as const satisfies Record<string, string>;

export type RestartOnlySetting = keyof typeof RESTART_ONLY;

/**
 * Everything else, by key path or by a section whose keys are all read anew after a reload, and
 * where. The sections the daemon itself reads at start (server, storage, audit, config, samples) are
 * listed key by key. A test fails for a key in neither list: whoever adds a key says which it is.
 */
export const RELOADED: Record<string, string> = {
  'server.public_url': 'read where links are made; the action-link signer and the cluster member row take the new one at the reload.',
  'server.shutdown_timeout': 'read when the daemon stops.',
  'server.ingest_queue': 'read at each ingest request.',
  'server.log_level': 'set on the logger at the reload.',
  'storage.retention': 'read at each retention and rollup pass; the pass is re-armed at the reload.',
  'storage.checkpoint_every': 'the checkpoint is re-armed at the reload.',
  'storage.full_retry': 'read each time a write is tried again.',
  'config.max_bytes': 'bounds the next reload’s read.',
  'samples.retention': 'the sample store takes it at the reload; its next prune keeps the new window.',
  'samples.flush_interval': 'the sample store takes it at the reload; the next flush is due that long after.',
  auth: 'read at each sign-in (the provider is discovered again when its settings change).',
  paging: 'read at each delivery outcome and dead-man ping.',
  status_page: 'read at each request and publishing pass.',
  review: 'read when a review is written.',
  runbooks: 'read again by the reload (the procedures keep the running ones if they cannot be read).',
  rule_files: 'read again by the reload.',
  procedures: 'the scheduler is rebuilt by the reload.',
  scrape: 'the scraper takes the new jobs at the reload.',
  checks: 'the checks that changed are replaced at the reload.',
  rules: 'the alert engine takes the new rules at the reload.',
  users: 'read at each request and sign-in.',
  services: 'read where used.',
  teams: 'read where used.',
  severities: 'the incident service is configured again at the reload.',
  escalation_policies: 'the escalation driver is configured again at the reload.',
  schedules: 'the escalation driver is configured again at the reload.',
  channels: 'the outbox takes the new channels at the reload.',
  integrations: 'read at each request.',
  maintenance: 'the incident service is configured again at the reload.',
  silences: 'the incident service is configured again at the reload.',
  business_hours: 'the incident service is configured again at the reload.',
  slos: 'the SLO evaluation takes the new SLOs at the reload.',
};
