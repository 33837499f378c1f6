import { formatDuration } from '../../../lib/duration.js';
import type { DeliveryOutcome, SendContext } from '../../types.js';

const DETAIL_LIMIT = 300;

export interface PostOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * POSTs a body and sorts the answer the way every HTTP channel does: 2xx delivered; 5xx, 408, 429,
 * timeouts and network errors retried (429 and 503 with their Retry-After); any other status is
 * permanent. Redirects are not followed: a receiver that moved must be reconfigured, not guessed.
 */
export async function postAndClassify(o: PostOptions, ctx: SendContext): Promise<DeliveryOutcome> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  let response: Response;
  try {
    response = await fetch(o.url, {
      method: 'POST',
      body: o.body,
      headers: o.headers,
      redirect: 'manual',
      signal: AbortSignal.any([ctx.signal, timeout]),
    });
  } catch (e) {
    if (timeout.aborted) return { ok: false, retryable: true, error: `timed out after ${formatDuration(o.timeoutMs)}` };
    if (ctx.signal.aborted) return { ok: false, retryable: true, error: 'stopped before the receiver answered' };
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, retryable: true, error: `network error: ${cause?.code ?? cause?.message ?? (e as Error).message}` };
  }
  let text = '';
  try {
    text = (await response.text()).slice(0, DETAIL_LIMIT);
  } catch {
    // The body is only for the log; a receiver that cuts it short still gave its status.
  }
  const status = response.status;
  if (status >= 200 && status < 300) return { ok: true, status, ...(text ? { detail: text } : {}) };
  const error = `HTTP ${status}${text ? `: ${text.replace(/\s+/g, ' ').trim()}` : ''}`;
  if (status >= 500 || status === 429 || status === 408) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), ctx.clock.now());
    return { ok: false, retryable: true, status, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { ok: false, retryable: false, status, error: status >= 300 && status < 400 ? `${error} (redirects are not followed)` : error };
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
