/** Names that say a value is a credential: of environment variables, config keys, headers, query parameters, options. */

/** Long words that mean a credential wherever they stand; short ones only as a word of the name. */
const CREDENTIAL_NAME = /passw(or)?d|passphrase|secret|token|credential|signature|api_?key|private_?key|access_?key|(^|_)(key|keys|pass|pw|auth|authz|authorization|creds?|cookie)(_|$)|[a-z]key$|auth$/i;

/** An environment variable (or any config key) named like a credential: PGPASSWORD, STRIPE_KEY, REDIS_AUTH. */
export function looksLikeCredential(name: string): boolean {
  return CREDENTIAL_NAME.test(name.replace(/[-.]/g, '_'));
}

/** A URL query parameter that carries a credential: named like one, or `sig` (an Azure SAS or a signed link's signature). */
export function isCredentialParameter(name: string): boolean {
  return looksLikeCredential(name) || /^sig$/i.test(name);
}

/** A header that carries credentials: Authorization, Proxy-Authorization, Cookie, X-Api-Key, X-Auth-Token … */
export function isCredentialHeader(name: string): boolean {
  return looksLikeCredential(name);
}

/** What of a credential header's value to mask: the whole value, the credentials after its scheme, a Basic password, cookie values. */
export function headerSecrets(name: string, value: string): string[] {
  const out = [value];
  const scheme = /^\s*([A-Za-z][\w-]*)\s+(\S.*)$/.exec(value);
  if (scheme) {
    out.push(scheme[2]!.trim());
    if (scheme[1]!.toLowerCase() === 'basic') {
      const pair = Buffer.from(scheme[2]!.trim(), 'base64').toString('utf8');
      const colon = pair.indexOf(':');
      if (colon >= 0 && /^[\x20-\x7e]*$/.test(pair)) out.push(pair, pair.slice(colon + 1));
    }
  }
  if (/cookie/i.test(name)) {
    for (const part of value.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0) out.push(part.slice(eq + 1).trim());
    }
  }
  return out;
}
