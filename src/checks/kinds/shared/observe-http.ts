import type { CheckContext, Observation } from '../../types.js';
import { httpRequest } from './http-request.js';
import type { HttpOptions } from './http-options.js';

/** Runs the request and fills the HTTP placeholders; used by the json and metrics kinds too. */
export async function observeHttp(config: HttpOptions, ctx: CheckContext): Promise<Observation> {
  try {
    const r = await httpRequest({
      url: config.url,
      method: config.method,
      headers: config.headers,
      ...(config.body !== undefined ? { body: config.body } : {}),
      followRedirects: config.follow_redirects,
      maxRedirects: config.max_redirects,
      maxBodyBytes: config.max_body,
      ...(config.tls ? { tls: config.tls } : {}),
      connection: config.connection,
      signal: ctx.signal,
    });
    const values: Observation['values'] = {
      CONNECTED: true,
      STATUS: r.status,
      RESPONSE_TIME: Math.round(r.responseTimeMs),
      DNS_TIME: Math.round(r.phases.dnsMs),
      CONNECT_TIME: Math.round(r.phases.connectMs),
      TLS_TIME: Math.round(r.phases.tlsMs),
      TTFB: Math.round(r.phases.ttfbMs),
      BODY: r.body,
      HEADERS: r.headers,
      URL: r.finalUrl,
      REDIRECTS: r.redirects,
    };
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
