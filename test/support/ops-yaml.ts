/** Pieces of ops.yaml that many daemon tests write alike. */

/** The signing secret of the tests' webhook channels. */
export const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** A `channels:` entry: webhook `id` posting to `url`. */
export function webhookChannel(id: string, url: string): string {
  return `  - { id: ${id}, kind: webhook, url: "${url}", secrets: ["${WEBHOOK_SECRET}"] }\n`;
}

/**
 * A `channels:` entry: webhook `id` posting to port 9 (discard) on loopback, which refuses: its pages
 * stay in the outbox, retrying, for tests that read no more than the outbox.
 */
export function refusedWebhookChannel(id = 'hook'): string {
  return webhookChannel(id, `http://127.0.0.1:9/${id}`);
}

/** An instant (epoch ms) as a config's time to the minute, in UTC. */
export function minuteIso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + '+00:00';
}

/** A `maintenance:` window `id` from `start` to `end` (epoch ms, to the minute). */
export function maintenanceWindow(id: string, start: number, end: number): string {
  return `maintenance:\n  - { id: ${id}, start: "${minuteIso(start)}", end: "${minuteIso(end)}", all_incidents: true }\n`;
}

/** An `escalation_policies:` of one policy, `default`, of one step paging `channel` every `timeout`. */
export function oneStepPolicy(channel = 'hook', timeout = '1h'): string {
  return `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: ${channel} }], timeout: ${timeout} }\n`;
}
