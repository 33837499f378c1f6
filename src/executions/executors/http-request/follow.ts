import { isRedirectCredential, redirectMethod, redirectTarget, sameOrigin } from '../../../lib/redirects.js';

/** One request of a step, as sent. */
export interface ExchangeInit {
  method: string;
  headers: [string, string][];
  body?: string;
  signal: AbortSignal;
}

/** What one request answered: status, headers as pairs (names in lower case), and the body as it arrives. */
export interface Exchange {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: AsyncIterable<Uint8Array> | null;
}

/** Most redirects a step follows (fetch's limit; curl -L's is 50). */
export const MAX_REDIRECTS = 20;

/**
 * Sends a step's request and, when it follows redirects (curl -L), each redirect by hand, so that its
 * credentials go only to the origin it was sent to, as curl does: Authorization, Cookie,
 * Proxy-Authorization and the headers services[].http gives the host (`hostHeaders`, lower case)
 * stay behind when a redirect leaves that origin (https → http included), and come along within it.
 */
export async function follow(
  url: string,
  init: ExchangeInit & { followRedirects: boolean; hostHeaders: ReadonlySet<string> },
  send: (url: URL, init: ExchangeInit) => Promise<Exchange>,
): Promise<Exchange> {
  const first = new URL(url);
  let target = first;
  let request: ExchangeInit = { method: init.method, headers: init.headers, ...(init.body !== undefined ? { body: init.body } : {}), signal: init.signal };
  for (let hop = 0; ; hop++) {
    const res = await send(...withUserinfo(target, request));
    const location = res.headers.find(([k]) => k === 'location')?.[1];
    if (!init.followRedirects || !location || res.status < 300 || res.status >= 400) return res;
    if (hop >= MAX_REDIRECTS) throw new Error(`Maximum (${MAX_REDIRECTS}) redirects followed`);
    if (res.body) for await (const _ of res.body); // the redirect's own body, read to free its socket
    const next = redirectTarget(location, target, first);
    const { method, keepBody } = redirectMethod(res.status, request.method);
    let headers = sameOrigin(next, first) ? init.headers : init.headers.filter(([k]) => !isRedirectCredential(k, init.hostHeaders));
    if (!keepBody) headers = headers.filter(([k]) => !/^content-(type|length)$/i.test(k));
    request = { method, headers, ...(keepBody && request.body !== undefined ? { body: request.body } : {}), signal: init.signal };
    target = next;
  }
}

/** A redirect URL's own `user:password@` sent as Basic auth, as curl does (fetch refuses URLs with credentials). */
function withUserinfo(url: URL, init: ExchangeInit): [URL, ExchangeInit] {
  if (url.username === '' && url.password === '') return [url, init];
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const basic = Buffer.from(`${decode(url.username)}:${decode(url.password)}`).toString('base64');
  const bare = new URL(url);
  bare.username = '';
  bare.password = '';
  return [bare, { ...init, headers: [...init.headers.filter(([k]) => k.toLowerCase() !== 'authorization'), ['Authorization', `Basic ${basic}`]] }];
}
