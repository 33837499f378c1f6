import { OpsbookError, type ErrorCode } from '../lib/errors/index.js';
import type { TextAnswer } from '../lib/http-text.js';

/** A running daemon to talk to instead of the local store: `--server URL --token T` or OPSBOOK_SERVER / OPSBOOK_TOKEN. */
export interface Remote {
  url: string;
  token: string;
}

export function remoteFrom(opts: { server?: string; token?: string }, env: NodeJS.ProcessEnv): Remote | undefined {
  const url = opts.server ?? env.OPSBOOK_SERVER;
  if (!url) return undefined;
  if (!/^https?:\/\//.test(url)) throw new OpsbookError('OPSBOOK_E_USAGE', `--server must be an http(s) URL (got "${url}")`, { location: { path: '--server' } });
  const token = opts.token ?? env.OPSBOOK_TOKEN;
  if (!token) throw new OpsbookError('OPSBOOK_E_USAGE', 'talking to a server needs a token: --token T or OPSBOOK_TOKEN', { location: { path: '--token' } });
  return { url: url.replace(/\/+$/, ''), token };
}

/** Calls the daemon's API; an error answer becomes the same OpsbookError the daemon raised. */
export async function callApi<T>(remote: Remote, method: string, path: string, body?: unknown, options: { signal?: AbortSignal } = {}): Promise<T> {
  let res: TextAnswer;
  // Loaded here: node:http and node:https (with TLS) cost every command's start, and only --server uses them.
  const { requestText } = await import('../lib/http-text.js');
  try {
    res = await requestText(`${remote.url}${path}`, {
      method,
      ...(options.signal ? { signal: options.signal } : {}),
      headers: { authorization: `Bearer ${remote.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new OpsbookError('OPSBOOK_E_STORE_UNAVAILABLE', `cannot reach ${remote.url}: ${(e as Error).message}`, { cause: e });
  }
  const text = res.text;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; path?: string } } | undefined)?.error;
    const code = (err?.code ?? 'OPSBOOK_E_INTERNAL') as ErrorCode;
    const message = err?.message ?? text.slice(0, 200);
    // Request validation already ends its message with the place; it is said once.
    const located = err?.path !== undefined && !message.endsWith(`→ ${err.path}`);
    throw new OpsbookError(code, `${remote.url} answered ${res.status}: ${message}`, located ? { location: { path: err.path! } } : {});
  }
  return json as T;
}

/** The options every command that reads or changes state accepts. */
export function remoteOptionsHelp(): Array<[string, string]> {
  return [
    ['--server <url>', 'a running opsbook to act through (default: OPSBOOK_SERVER; else the local store)'],
    ['--token <token>', 'API token for --server (default: OPSBOOK_TOKEN)'],
  ];
}
