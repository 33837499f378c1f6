/**
 * What of a request follows a redirect. Credentials go only to the origin (scheme, host and port)
 * they were written for, as curl and fetch do: a redirect to another origin, https → http included,
 * leaves them behind; one within the origin keeps them.
 */

import { isCredentialHeader } from './credential-names.js';

/** Headers that carry the user's credentials for one origin, whatever their name; any header named like a credential (isCredentialHeader: X-Api-Key, X-Auth-Token, Private-Token …) too. */
export const REDIRECT_CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'cookie', 'proxy-authorization'];

/** Same scheme, host and port (a default port written or not). */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}

/**
 * Whether a header must stay behind when a redirect leaves the origin: Authorization, Cookie,
 * Proxy-Authorization, any header named like a credential, and those `extra` names (lower case: the
 * headers configured for the host, whatever their name).
 */
export function isRedirectCredential(name: string, extra: ReadonlySet<string> = new Set()): boolean {
  const lower = name.toLowerCase();
  return REDIRECT_CREDENTIAL_HEADERS.includes(lower) || isCredentialHeader(lower) || extra.has(lower);
}

/**
 * The next URL of a redirect from `from` to `location`. Within the origin of `first` (where the
 * credentials were written) a URL's userinfo stays, as curl keeps a URL's user and password for its
 * host; elsewhere only userinfo the Location gives is used (a relative Location keeps its origin's).
 */
export function redirectTarget(location: string, from: URL, first: URL): URL {
  const next = new URL(location, from);
  if (sameOrigin(next, first) && next.username === '' && next.password === '') {
    next.username = first.username;
    next.password = first.password;
  }
  return next;
}

/** The method and body after a redirect: 303, and 301/302 after a POST, turn into GET as browsers and curl -L do. */
export function redirectMethod(status: number, method: string): { method: string; keepBody: boolean } {
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) return { method: 'GET', keepBody: false };
  return { method, keepBody: true };
}
