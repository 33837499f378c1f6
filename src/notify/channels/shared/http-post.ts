import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { formatDuration } from '../../../lib/duration.js';
import type { ChannelAgents, DeliveryOutcome, SendContext } from '../../types.js';

const DETAIL_LIMIT = 300;

// node:http rather than fetch: measured several times faster per request on loopback. A channel's
// sends go through its own pool (SendContext.agents); sends outside the outbox worker (a test send,
// a Slack response_url) share this one, keep-alive too, with no cap on sockets so that none of them
// waits for a socket another holds.
const unpooled: ChannelAgents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

export interface PostOptions {
  url: string;
  body: string | Buffer;
  headers: Record<string, string>;
  timeoutMs: number;
}

interface RawAnswer {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

type Failure = { kind: 'timeout' } | { kind: 'stopped' } | { kind: 'network'; code: string };

/**
 * Each channel URL's request options (host, port, path, auth), parsed once: a channel posts to the
 * same few URLs on every send, and parsing one (a URL object, then its options) was a share of each.
 */
const targets = new Map<string, http.RequestOptions>();
function targetOf(url: string): http.RequestOptions {
  let target = targets.get(url);
  if (!target) {
    target = urlToHttpOptions(new URL(url));
    if (targets.size >= 1000) targets.clear();
    targets.set(url, target);
  }
  return target;
}

function post(o: PostOptions, signal: AbortSignal, agents: ChannelAgents): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const target = targetOf(o.url);
    const secure = target.protocol === 'https:';
    let failure: Failure | undefined;
    const req = (secure ? https : http).request({
      ...target,
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      headers: { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) },
    });
    // One deadline for the whole exchange, answer included, not per socket read.
    const timer = setTimeout(() => {
      failure = { kind: 'timeout' };
      req.destroy();
    }, o.timeoutMs);
    const onAbort = (): void => {
      failure = { kind: 'stopped' };
      req.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    req.on('error', (e: NodeJS.ErrnoException) => {
      done();
      reject(failure ?? { kind: 'network', code: e.code ?? e.message });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < DETAIL_LIMIT) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        done();
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter, text: Buffer.concat(chunks).toString('utf8').slice(0, DETAIL_LIMIT) });
      });
      res.on('error', (e: NodeJS.ErrnoException) => {
        done();
        reject(failure ?? { kind: 'network', code: e.code ?? e.message });
      });
    });
    if (signal.aborted) onAbort();
    req.end(o.body);
  });
}

/**
 * POSTs a body and sorts the answer the way every HTTP channel does: 2xx delivered; 5xx, 408, 429,
 * timeouts and network errors retried (429 and 503 with their Retry-After); any other status is
 * permanent. Redirects are not followed: a receiver that moved must be reconfigured, not guessed.
 */
export async function postAndClassify(o: PostOptions, ctx: SendContext): Promise<DeliveryOutcome> {
  let answer: RawAnswer;
  try {
    answer = await post(o, ctx.signal, ctx.agents ?? unpooled);
  } catch (e) {
    const f = e as Failure;
    if (f.kind === 'timeout') return { ok: false, retryable: true, error: `timed out after ${formatDuration(o.timeoutMs)}` };
    if (f.kind === 'stopped') return { ok: false, retryable: true, error: 'stopped before the receiver answered' };
    return { ok: false, retryable: true, error: `network error: ${f.kind === 'network' ? f.code : String(e)}` };
  }
  const { status, text } = answer;
  if (status >= 200 && status < 300) return { ok: true, status, ...(text ? { detail: text } : {}) };
  const error = `HTTP ${status}${text ? `: ${text.replace(/\s+/g, ' ').trim()}` : ''}`;
  if (status >= 500 || status === 429 || status === 408) {
    const retryAfterMs = parseRetryAfter(answer.retryAfter, ctx.clock.now());
    return { ok: false, retryable: true, status, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { ok: false, retryable: false, status, error: status >= 300 && status < 400 ? `${error} (redirects are not followed)` : error };
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined | null, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
