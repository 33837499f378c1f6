import { commandBasicAuth, commandHeaders, commandLineSecrets, decodedUri, headerValueSecrets } from './command-secrets.js';
import { headerSecrets, isCredentialHeader, isCredentialParameter, looksLikeCredential } from './credential-names.js';

export { commandBasicAuth, commandHeaders, commandLineSecrets, headerValueSecrets, isCredentialHeader, looksLikeCredential };

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
 * - the value of every URL query parameter named like a credential (`?api_key=…`, `&token=…`, `&sig=…`), in any value;
 * - credentials a command line writes (see writtenSecrets): a schemeless `user:PASSWORD@host`, curl's
 *   `-u user:PASSWORD` (with the Basic credentials sent for it), mysql's `-pPASSWORD`, an option named
 *   like a credential (`--password=…`, `--token …`), a variable named like one (`PGPASSWORD=… psql`);
 * - values a `${VAR}` took from a variable named like a credential (`DB_CONN: "${DATABASE_PASSWORD}"`),
 *   whatever key holds them, whatever text is around them and whatever copy of the config (see holdEnvSecrets).
 * Each in the forms a step may show it: as given, URL-encoded, and as a URL's userinfo encodes it.
 */

/** What a masked credential is shown as. */
export const MASK = '********';

/** Values shorter than this are not masked: masking `ok` or `1` everywhere would garble output. */
export const MIN_SECRET_LENGTH = 4;

const SECRET_FIELDS = new Set(['password', 'token', 'secrets', 'signing_secret', 'client_secret', 'auth_token', 'private_key', 'routing_key', 'webhook_secrets', 'webhook_url']);

/** `scheme://user:password@`: the user and the password as written (maybe percent-encoded). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*):\/\/([^\s:/?#@]*):([^\s/?#@]+)@/gi;

/** `http(s)://user@` without a password: the user is a token (`https://TOKEN@github.com/…`). */
const URL_TOKEN = /\bhttps?:\/\/([^\s:/?#@]+)@/gi;

/**
 * A query parameter (`?name=value`, `&name=value`) of a URL written with a scheme or without one
 * (`/api/x?token=…`), its value up to the next parameter, the fragment, the end of the word or a quote.
 */
const QUERY_PARAM = /[?&]([A-Za-z0-9_.%[\]-]+)=([^\s&#"'<>]*)/g;

/**
 * `user:password@host` written without a scheme (`ops:PASSWORD@db.internal:5432`), not part of a URL
 * with one: nothing of a word before it. `image:tag@sha256:…` (an image digest) is not one.
 */
const SCHEMELESS_USERINFO = /(?<![^\s'"`=(,;|&])([A-Za-z0-9._%+-]+):([^\s:/?#@'"`]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)/g;


/**
 * A value in the forms a step may show it: as given, URL-encoded, as a URL's userinfo encodes it,
 * and inside a JSON string (`"` and `\` escaped; `/` as `\/` too, as PHP's and other encoders write it).
 */
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
  const json = JSON.stringify(value).slice(1, -1);
  forms.add(json).add(json.replace(/\//g, '\\/'));
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
    const password = decodedUri(m[3]!);
    out.push(m[3]!, password);
    if (/^https?$/i.test(m[1]!)) out.push(Buffer.from(`${decodedUri(m[2]!)}:${password}`).toString('base64'));
  }
  for (const m of text.matchAll(URL_TOKEN)) {
    const token = decodedUri(m[1]!);
    out.push(m[1]!, token, Buffer.from(`${token}:`).toString('base64'));
  }
  return out;
}

/** Values of the query parameters named like a credential in the URLs written in `text` (`?api_key=…`, `&sig=…`), decoded and as written. */
export function urlQuerySecrets(text: string): string[] {
  const out: string[] = [];
  if (!text.includes('=')) return out;
  for (const m of text.matchAll(QUERY_PARAM)) {
    if (!isCredentialParameter(decodedUri(m[1]!))) continue;
    out.push(m[2]!, decodedUri(m[2]!.replace(/\+/g, ' ')));
  }
  return out;
}

/** The passwords of `user:password@host` written without a scheme, decoded and as written. */
export function schemelessPasswords(text: string): string[] {
  const out: string[] = [];
  if (!text.includes('@')) return out;
  for (const m of text.matchAll(SCHEMELESS_USERINFO)) {
    // An image digest (`app:1.2@sha256:…`), a mail link, a port (`db:5432@primary`) are not credentials.
    if (/^sha\d+$/i.test(m[3]!) || /^mailto$/i.test(m[1]!) || /^\d+$/.test(m[2]!)) continue;
    out.push(m[2]!, decodedUri(m[2]!));
  }
  return out;
}

/**
 * Every credential `text` writes itself, as a command line, a URL or an observed value would: URL
 * passwords and tokens with their Basic form (urlPasswords), credential query values
 * (urlQuerySecrets), schemeless `user:password@host` (schemelessPasswords) and the credentials of
 * command-line options and assignments (commandLineSecrets). Values shorter than MIN_SECRET_LENGTH
 * are left, as everywhere.
 */
export function writtenSecrets(text: string): string[] {
  const out = [...urlPasswords(text), ...urlQuerySecrets(text), ...schemelessPasswords(text), ...commandLineSecrets(text)];
  return [...new Set(out)].filter((s) => s.length >= MIN_SECRET_LENGTH);
}

/** `text` with `secrets` (longest first) and every credential it writes itself (writtenSecrets) masked. */
export function maskWritten(text: string, secrets: readonly string[] = []): string {
  const written = writtenSecrets(text).flatMap(secretForms);
  if (written.length === 0) return secrets.length > 0 ? maskSecrets(text, secrets) : text;
  return maskSecrets(text, [...new Set([...secrets, ...written])].sort((a, b) => b.length - a.length));
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

function secretsOf(value: string, path: readonly PathSegment[]): string[] {
  const out = [...urlPasswords(value), ...urlQuerySecrets(value), ...schemelessPasswords(value)];
  const key = path.at(-1);
  const map = path.at(-2);
  if (key === 'command') out.push(...commandLineSecrets(value));
  const field = path.filter((s): s is string => typeof s === 'string').at(-1) ?? '';
  if (map === 'env' && typeof key === 'string' && looksLikeCredential(key)) out.push(value);
  else if (map === 'headers' && typeof key === 'string' && isCredentialHeader(key)) out.push(...headerSecrets(key, value));
  else if (SECRET_FIELDS.has(field) || (path[0] === 'integrations' && path.length === 3 && key === 'key')) out.push(value);
  return out;
}

function walk(value: unknown, path: PathSegment[], out: Set<string>): void {
  if (typeof value === 'string') {
    for (const s of secretsOf(value, path)) if (s.length >= MIN_SECRET_LENGTH) for (const f of secretForms(s)) out.add(f);
    for (const s of envSecrets) if (value.includes(s)) for (const f of secretForms(s)) out.add(f);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (path.at(-1) === 'command') {
    // A command a check or step runs, as one line or a list of words: the credentials it writes (`mysql -pPASSWORD`).
    const line = Array.isArray(value) ? value.map((w) => `'${String(w).replace(/'/g, `'\\''`)}'`).join(' ') : '';
    for (const s of commandLineSecrets(line)) if (s.length >= MIN_SECRET_LENGTH) for (const f of secretForms(s)) out.add(f);
  }
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i], out));
  else for (const [k, v] of Object.entries(value)) walk(v, [...path, k], out);
}

const cache = new WeakMap<object, string[]>();

/** The values `${VAR}` took from variables named like a credential, in every config loaded (see holdEnvSecrets). */
const envSecrets = new Set<string>();

/**
 * Remembers the values `${VAR}` took from variables named like a credential (`expandEnv`'s
 * `secrets`), so configSecrets finds each in any string holding it, under any key and within any
 * text, for the whole config or for a part of it (one check), and in any copy made of it (a game
 * day's services with the world's tools added to their shell env): the values are remembered, not
 * the objects that held them. Values shorter than MIN_SECRET_LENGTH are left, as everywhere. Called
 * by the loader before anything reads the config's credentials; `config` is the config they were
 * expanded into.
 */
export function holdEnvSecrets(_config: object, values: readonly string[]): void {
  for (const v of values) if (v.length >= MIN_SECRET_LENGTH) envSecrets.add(v);
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
