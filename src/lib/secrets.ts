/** A key or list index on the way to a value (config paths). */
type PathSegment = string | number;

/**
 * The config's credentials: values a step, a check or a channel is given that must never be shown.
 * Executions mask them, with secret parameters, wherever a step's command, output, error or request
 * is recorded; checks mask their own in every result. (Here in lib/ so checks/, which config/
 * loads, can use it; config/secrets.ts is its entry for the config's readers.) Which values count:
 * - fields the schema documents as secrets (`password`, `token`, `secrets`, `signing_secret`,
 *   `client_secret`, `auth_token`, `private_key`, `routing_key`, `webhook_secrets`, `webhook_url`,
 *   `integrations[].key`), wherever they stand;
 * - values of environment maps (`services[].shell.env`, a check's `env`) whose name looks like a
 *   credential (PGPASSWORD, API_KEY, STRIPE_KEY, GITHUB_TOKEN, BASIC_AUTH, AWS_SECRET_ACCESS_KEY …);
 * - values of header maps (`services[].http.hosts[].headers`, a channel's or check's `headers`)
 *   named Authorization, Proxy-Authorization, Cookie, X-Api-Key or like a credential: the whole
 *   value, the credentials after its scheme (`Bearer …`), a Basic one's password, each cookie value;
 * - the password of every URL written with one (`postgres://app:PASSWORD@db/app`, `redis://:PASSWORD@…`),
 *   in any value, with the Basic credentials an HTTP request sends for it (`base64(user:PASSWORD)`);
 *   and the user of an http(s) URL written with a user alone (`https://TOKEN@host`), which is a token;
 * - the value of every URL query parameter named like a credential (`?api_key=…`, `&token=…`), in any value;
 * - values a `${VAR}` took from a variable named like a credential (`DB_CONN: "${DATABASE_PASSWORD}"`),
 *   whatever key holds them and whatever text is around them (see holdEnvSecrets).
 * Each in the forms a step may show it: as given, URL-encoded, and as a URL's userinfo encodes it.
 */

/** What a masked credential is shown as. */
export const MASK = '********';

/** Values shorter than this are not masked: masking `ok` or `1` everywhere would garble output. */
export const MIN_SECRET_LENGTH = 4;

const SECRET_FIELDS = new Set(['password', 'token', 'secrets', 'signing_secret', 'client_secret', 'auth_token', 'private_key', 'routing_key', 'webhook_secrets', 'webhook_url']);

/** Long words that mean a credential wherever they stand; short ones only as a word of the name. */
const CREDENTIAL_NAME = /passw(or)?d|passphrase|secret|token|credential|api_?key|private_?key|access_?key|(^|_)(key|keys|pass|pw|auth|authz|authorization|creds?|cookie)(_|$)|[a-z]key$|auth$/i;

/** An environment variable (or any config key) named like a credential: PGPASSWORD, STRIPE_KEY, REDIS_AUTH. */
export function looksLikeCredential(name: string): boolean {
  return CREDENTIAL_NAME.test(name.replace(/[-.]/g, '_'));
}

/** A header that carries credentials: Authorization, Proxy-Authorization, Cookie, X-Api-Key, X-Auth-Token … */
export function isCredentialHeader(name: string): boolean {
  return looksLikeCredential(name);
}

/** `scheme://user:password@`: the user and the password as written (maybe percent-encoded). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*):\/\/([^\s:/?#@]*):([^\s/?#@]+)@/gi;

/** `http(s)://user@` without a password: the user is a token (`https://TOKEN@github.com/…`). */
const URL_TOKEN = /\bhttps?:\/\/([^\s:/?#@]+)@/gi;

/** A URL's query (`?a=1&b=2`), up to its fragment, the end of the word or a quote around the URL. */
const URL_QUERY = /\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>]*\?([^\s#"'<>]*)/gi;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A value in the forms a step may show it: as given, URL-encoded, as a URL's userinfo encodes it. */
export function secretForms(value: string): string[] {
  // Characters no form encodes (most tokens): one form, without building a URL.
  if (/^[A-Za-z0-9\-_.!~*'()]*$/.test(value)) return [value];
  const forms = new Set([value, encodeURIComponent(value)]);
  try {
    const u = new URL('http://user@host.invalid/');
    u.password = value;
    forms.add(u.password);
  } catch {
    // Not every value can be a password of a URL; the other forms stand.
  }
  return [...forms];
}

/**
 * The passwords of the URLs written in `text`, decoded and as written, and the tokens of http(s) URLs
 * written with a user alone; for an http(s) URL, also the Basic credentials a request sends for its
 * userinfo (base64 of `user:password`, of `token:`).
 */
export function urlPasswords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(URL_PASSWORD)) {
    const password = decoded(m[3]!);
    out.push(m[3]!, password);
    if (/^https?$/i.test(m[1]!)) out.push(Buffer.from(`${decoded(m[2]!)}:${password}`).toString('base64'));
  }
  for (const m of text.matchAll(URL_TOKEN)) {
    const token = decoded(m[1]!);
    out.push(m[1]!, token, Buffer.from(`${token}:`).toString('base64'));
  }
  return out;
}

/** Values of the query parameters named like a credential in the URLs written in `text` (`?api_key=…`), decoded and as written. */
export function urlQuerySecrets(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(URL_QUERY)) {
    for (const pair of m[1]!.split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || !looksLikeCredential(decoded(pair.slice(0, eq)))) continue;
      const value = pair.slice(eq + 1);
      out.push(value, decoded(value.replace(/\+/g, ' ')));
    }
  }
  return out;
}

/**
 * Replaces every credential in `secrets` (longest first, as configSecrets gives them) found in `text`
 * with MASK. Values shorter than 3 characters are left: masking them would garble any text.
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3 && out.includes(s)) out = out.split(s).join(MASK);
  return out;
}

/** What of a credential header's value to mask: the whole value, the credentials after its scheme, a Basic password, cookie values. */
function headerSecrets(name: string, value: string): string[] {
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

function secretsOf(value: string, path: readonly PathSegment[]): string[] {
  const out = value.includes('://') ? [...urlPasswords(value), ...urlQuerySecrets(value)] : [];
  const key = path.at(-1);
  const map = path.at(-2);
  const field = path.filter((s): s is string => typeof s === 'string').at(-1) ?? '';
  if (map === 'env' && typeof key === 'string' && looksLikeCredential(key)) out.push(value);
  else if (map === 'headers' && typeof key === 'string' && isCredentialHeader(key)) out.push(...headerSecrets(key, value));
  else if (SECRET_FIELDS.has(field) || (path[0] === 'integrations' && path.length === 3 && key === 'key')) out.push(value);
  return out;
}

function walk(value: unknown, path: PathSegment[], out: Set<string>): void {
  if (typeof value === 'string') {
    for (const s of secretsOf(value, path)) if (s.length >= MIN_SECRET_LENGTH) for (const f of secretForms(s)) out.add(f);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const s of held.get(value) ?? []) for (const f of secretForms(s)) out.add(f);
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i], out));
  else for (const [k, v] of Object.entries(value)) walk(v, [...path, k], out);
}

const cache = new WeakMap<object, string[]>();

/** The env secrets each object or list of a loaded config holds in its own strings (see holdEnvSecrets). */
const held = new WeakMap<object, string[]>();

/**
 * Remembers, in the loaded config, the values `${VAR}` took from variables named like a credential
 * (`expandEnv`'s `secrets`): each object or list holding a string with one of them in it keeps it,
 * so configSecrets finds it under any key and within any text, for the whole config or for a part
 * of it (one check). Values shorter than MIN_SECRET_LENGTH are left, as everywhere. Called by the
 * loader before anything reads the config's credentials.
 */
export function holdEnvSecrets(config: object, values: readonly string[]): void {
  const secrets = [...new Set(values)].filter((v) => v.length >= MIN_SECRET_LENGTH);
  if (secrets.length === 0) return;
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
    const here = secrets.filter((s) => children.some((c) => typeof c === 'string' && c.includes(s)));
    if (here.length > 0) held.set(value, [...(held.get(value) ?? []), ...here]);
    for (const c of children) visit(c);
  };
  visit(config);
}

/** Every credential of a loaded config, in each form a step may show it, longest first. */
export function configSecrets(config: object): string[] {
  let found = cache.get(config);
  if (!found) {
    const out = new Set<string>();
    walk(config, [], out);
    found = [...out].sort((a, b) => b.length - a.length);
    cache.set(config, found);
  }
  return found;
}
