import type { CheckContext, Observation } from '../../types.js';
import { httpRequest, preparedRequest, type HttpRequestOptions } from './http-request.js';
import type { HttpOptions } from './http-options.js';

function requestOf(config: HttpOptions): HttpRequestOptions {
  return {
    url: config.url,
    method: config.method,
    headers: config.headers,
    ...(config.body !== undefined ? { body: config.body } : {}),
    followRedirects: config.follow_redirects,
    maxRedirects: config.max_redirects,
    maxBodyBytes: config.max_body,
    ...(config.tls ? { tls: config.tls } : {}),
    connection: config.connection,
  };
}

/**
 * Builds the check's request ahead of its first run (CheckKind.prepare). A request that cannot be
 * built (a URL the schema let through but URL rejects) is left to the run, which reports why.
 */
export function prepareHttp(config: HttpOptions): void {
  try {
    preparedRequest(config, () => requestOf(config));
  } catch {
    // The first run builds it again and fails with the reason.
  }
}

/**
 * Runs the request and fills the HTTP placeholders; used by the json and metrics kinds too, which
 * read the body themselves (`needBody`). The request is built once per check (keyed by its config
 * object); headers and body are copied only when a condition reads them (`ctx.reads`).
 */
export async function observeHttp(config: HttpOptions, ctx: CheckContext, needBody = false): Promise<Observation> {
  const keep = { body: needBody || !ctx.reads || ctx.reads.has('BODY'), headers: !ctx.reads || ctx.reads.has('HEADERS') };
  try {
    const r = await httpRequest(preparedRequest(config, () => requestOf(config)), ctx.signal, keep);
    const values: Observation['values'] = {
      CONNECTED: true,
      STATUS: r.status,
      RESPONSE_TIME: Math.round(r.responseTimeMs),
      DNS_TIME: Math.round(r.phases.dnsMs),
      CONNECT_TIME: Math.round(r.phases.connectMs),
      TLS_TIME: Math.round(r.phases.tlsMs),
      TTFB: Math.round(r.phases.ttfbMs),
      URL: r.finalUrl,
      REDIRECTS: r.redirects,
    };
    if (keep.body) values.BODY = r.body;
    if (keep.headers) values.HEADERS = r.headers;
    // The leaf certificate of the connection the final response came on (after redirects).
    if (r.certificateNotAfter !== undefined) values.CERTIFICATE_EXPIRATION = r.certificateNotAfter - ctx.clock.now();
    return { values };
  } catch (e) {
    return { values: { CONNECTED: false }, error: errorText(e) };
  }
}

export function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.message ? err.message : String(e);
}
