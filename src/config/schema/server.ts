import { z } from 'zod';
import { duration } from './common.js';

/** `server:` — where the daemon listens and the address people reach it at. */
export const serverSection = z
  .strictObject({
    port: z.number().int().min(0).max(65_535).prefault(4100).describe('TCP port the HTTP server listens on.'),
    host: z.string().min(1).prefault('127.0.0.1').describe('Interface address to bind; 0.0.0.0 listens on every interface.'),
    public_url: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .optional()
      .describe('URL people and links in notifications reach opsbook at; defaults to http://HOST:PORT.'),
    shutdown_timeout: duration({ min: '0s', max: '10m' })
      .prefault('10s')
      .describe('How long a stopping daemon waits for running work before it exits; runbook steps still running then are stopped and recorded interrupted.'),
    ingest_queue: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .prefault(2000)
      .describe('Alerts from outside (webhooks, events API) that may wait in the pipeline; past it ingest answers 429 with Retry-After.'),
    log_level: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
      .prefault('info')
      .describe('Minimum level written to the log.'),
  })
  .transform((s) => ({ ...s, public_url: (s.public_url ?? `http://${hostForUrl(s.host)}:${s.port}`).replace(/\/+$/, '') }))
  .prefault({})
  .describe('HTTP server settings.');

// An IPv6 literal needs brackets inside a URL.
function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
