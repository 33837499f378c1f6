/**
 * Credentials a command line writes in its options and assignments, as an on-call engineer types
 * them: curl's `-u user:PASSWORD` (also grouped, `-sSu user:PASSWORD`), mysql's `-pPASSWORD`, redis-cli's `-a PASSWORD`, an option named
 * like a credential (`--password=…`, `--token …`, `--api-key=…`), a variable named like one
 * (`PGPASSWORD=… psql`, `--set db.password=…`), a credential header (`-H 'X-Api-Key: …'`). Read from shell words (quotes removed), each simple
 * command on its own; the masking that uses them changes what is shown, never what runs.
 */
import { headerSecrets, isCredentialHeader, looksLikeCredential } from './credential-names.js';
import { own } from './own.js';
import { CURL_VALUE_LETTERS, splitShortOptions, takesValue } from './short-options.js';

/** A shell word with its quotes and escapes removed; `quoted` when it began with a quote (`"PGPASSWORD=… psql"` is a command, not an assignment). */
interface Word {
  text: string;
  quoted: boolean;
}

/** The simple commands of a command line (split at newlines, pipes, `;`, `&`, parentheses), each as its words. */
function commandTokens(text: string): Word[][] {
  const commands: Word[][] = [];
  let words: Word[] = [];
  let word: Word | undefined;
  const add = (part: string, quoted = false): void => {
    if (word) word.text += part;
    else word = { text: part, quoted };
  };
  const end = (): void => {
    if (word) words.push(word);
    word = undefined;
  };
  const next = (): void => {
    end();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const stop = close < 0 ? text.length : close;
      add(text.slice(i + 1, stop), true);
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      let part = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        part += text[j];
      }
      add(part, true);
      i = j;
    } else if (c === '\\' && i + 1 < text.length) {
      if (text[i + 1] !== '\n') add(text[i + 1]!);
      i++;
    } else if (/\s/.test(c)) {
      if (c === '\n') next();
      else end();
    } else if ('|;&()`'.includes(c)) next();
    else add(c);
  }
  next();
  return commands;
}

/** The last word of an option's name says it is a credential (`--password`, `--db-pass`, `--api-key`, `--client-secret`). */
const CREDENTIAL_OPTION = /(^|[-_])(password|passwd|passphrase|pass|token|secret|(api|access|secret|private|auth|client)[-_]?key)$/i;
/** Options whose value names where a credential is, not the credential (`--password-file`, `--token-env`). */
const POINTS_ELSEWHERE = /[-_](file|path|dir|env|stdin|command|cmd|type|mode|ttl)$/i;
/** Programs whose `--password` takes no value (psql prompts; mysql takes `--password=…` or prompts). */
const PASSWORD_FLAG = /^(psql|pg_\w+|createdb|dropdb|createuser|dropuser|reindexdb|vacuumdb|clusterdb|mysql\w*|mariadb[\w-]*)$/;
const ASSIGNMENT = /^([A-Za-z_][\w.-]*)=(.+)$/;

/** Options whose value is `user:password` (curl and wget-like); `TOKEN:` with no password is a token. */
const USER_OPTIONS: Record<string, Set<string>> = {
  curl: new Set(['-u', '--user', '-U', '--proxy-user']),
};
/** Short options that take a value, by program (see CURL_VALUE_LETTERS). */
const SHORT_VALUE_LETTERS: Record<string, string> = { curl: CURL_VALUE_LETTERS };
/** Options whose value is a header, `Name: value` (curl, wget). */
const HEADER_OPTIONS = new Set(['-H', '--header', '--proxy-header']);

/** Short options whose value is the password itself, given apart or attached (`-p SECRET`, `-pSECRET`). */
const PASSWORD_OPTIONS: Record<string, { apart: Set<string>; attached: Set<string> }> = {
  'redis-cli': { apart: new Set(['-a']), attached: new Set() },
  sshpass: { apart: new Set(['-p']), attached: new Set(['-p']) },
  mysql: { apart: new Set(), attached: new Set(['-p']) },
};

/** A word as a program's name: its base name, the mysql family as `mysql`. */
function programName(word: string): string {
  const base = word.slice(word.lastIndexOf('/') + 1);
  return /^(mysql|mariadb)/.test(base) ? 'mysql' : base;
}

/** Programs whose options are read here: where one is named (`sudo -u pg curl -u …`, a sentence naming `curl -u …`), its options follow. */
const KNOWN = new Set([...Object.keys(USER_OPTIONS), ...Object.keys(PASSWORD_OPTIONS)]);

/** A group of short options (`-sSu`, `-siuops:pass`, `-sH…`): the one taking a value (`-u`) and its value, or undefined. */
function groupedOption(word: string, next: string | undefined, letters: string | undefined): { option: string; value: string | undefined } | undefined {
  if (!letters) return undefined;
  const split = splitShortOptions(word, letters);
  if (split.length < 2) return undefined;
  // A group ends at its value-taking letter: its value follows it in the word, or is the next word.
  const at = split.findIndex((w) => takesValue(w, letters));
  if (at < 0) return undefined;
  return { option: split[at]!, value: at + 1 < split.length ? split[at + 1] : next };
}

/** `user:password` as curl's -u takes it: the password and the Basic credentials sent for it, or a token given alone (`TOKEN:`). */
function userPassword(value: string): string[] {
  const colon = value.indexOf(':');
  if (colon < 0) return [];
  const user = value.slice(0, colon);
  const password = value.slice(colon + 1);
  const basic = Buffer.from(value).toString('base64');
  if (password !== '') return [password, basic];
  return user === '' ? [] : [user, basic];
}

/** `Name: value` of a header named like a credential: what headerSecrets masks of it, but a scheme before the credentials. */
export function headerValueSecrets(header: string): string[] {
  const colon = header.indexOf(':');
  if (colon <= 0) return [];
  const name = header.slice(0, colon).trim();
  const value = header.slice(colon + 1).trim();
  if (value === '' || !isCredentialHeader(name)) return [];
  // The scheme a command writes (`Bearer …`) stays readable: its credentials are what follows.
  const all = headerSecrets(name, value);
  return /^[A-Za-z][\w-]*\s+\S/.test(value) ? all.slice(1) : all;
}

/**
 * The credentials the options and assignments of a command line give, as written; also in a
 * command line quoted inside it (`ssh db 'mysql -pSECRET'`, `kubectl exec … -- sh -c "…"`).
 */
export function commandLineSecrets(text: string, depth = 0): string[] {
  if (!/[-=]/.test(text)) return [];
  const out: string[] = [];
  for (const tokens of commandTokens(text)) {
    if (depth < 2) for (const t of tokens) if (/\s/.test(t.text)) out.push(...commandLineSecrets(t.text, depth + 1));
    const words = tokens.map((t) => t.text);
    let name = programName(words.find((w) => !ASSIGNMENT.test(w)) ?? '');
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const next = words[i + 1];
      if (KNOWN.has(programName(w))) name = programName(w);
      const user = own(USER_OPTIONS, name);
      const password = own(PASSWORD_OPTIONS, name);
      const assignment = tokens[i]!.quoted ? null : ASSIGNMENT.exec(w);
      if (assignment) {
        if (looksLikeCredential(assignment[1]!)) out.push(assignment[2]!);
        continue;
      }
      if (!w.startsWith('-')) continue;
      const grouped = groupedOption(w, next, own(SHORT_VALUE_LETTERS, name));
      if (HEADER_OPTIONS.has(w) && next !== undefined) out.push(...headerValueSecrets(next));
      else if (/^--(proxy-)?header=/.test(w)) out.push(...headerValueSecrets(w.slice(w.indexOf('=') + 1)));
      else if (grouped?.option === '-H' && grouped.value !== undefined) out.push(...headerValueSecrets(grouped.value));
      if (user) {
        const long = /^(--[\w-]+)=(.*)$/.exec(w);
        if (user.has(w) && next !== undefined) out.push(...userPassword(next));
        else if (long && user.has(long[1]!)) out.push(...userPassword(long[2]!));
        else if (grouped && user.has(grouped.option) && grouped.value !== undefined) out.push(...userPassword(grouped.value));
      }
      if (password) {
        if (password.apart.has(w) && next !== undefined && !next.startsWith('-')) out.push(next);
        else if (w.length > 2 && password.attached.has(w.slice(0, 2)) && !w.startsWith('--')) out.push(w.slice(2));
      }
      const option = /^--?([A-Za-z][\w.-]*)(?:=(.*))?$/.exec(w);
      // An option given `NAME=VALUE` (`--from-literal=password=…`, `--env=API_TOKEN=…`).
      const given = option?.[2] === undefined ? null : ASSIGNMENT.exec(option[2]);
      if (given && looksLikeCredential(given[1]!)) out.push(given[2]!);
      if (!option || !CREDENTIAL_OPTION.test(option[1]!) || POINTS_ELSEWHERE.test(option[1]!) || /^no[-_]/i.test(option[1]!)) continue;
      if (option[2] !== undefined) out.push(option[2]);
      else if (w.startsWith('--') && next !== undefined && !next.startsWith('-') && !(PASSWORD_FLAG.test(name) && /pass/i.test(option[1]!))) out.push(next);
    }
  }
  return out.filter((s) => s !== '');
}

/** The headers a command line's `-H 'Name: value'` options (`--header`, `--header=`) give, as `[name, value]`, quotes removed. */
export function commandHeaders(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const tokens of commandTokens(text)) {
    const words = tokens.map((t) => t.text);
    words.forEach((w, i) => {
      const header = HEADER_OPTIONS.has(w) ? words[i + 1] : /^--(proxy-)?header=/.test(w) ? w.slice(w.indexOf('=') + 1) : undefined;
      const colon = header?.indexOf(':') ?? -1;
      if (header && colon > 0 && w !== '--proxy-header' && !w.startsWith('--proxy-header=')) out.push([header.slice(0, colon).trim(), header.slice(colon + 1).trim()]);
    });
  }
  return out;
}

/**
 * The `user:password` curl sends as Basic auth for a command line: its `-u` (`--user`, `-uuser:pass`,
 * `--user=`, grouped `-sSu`), else the userinfo of an http(s) URL it requests (decoded, as curl
 * sends it); undefined when it sends none, or a user alone (curl then prompts for the password).
 */
export function commandBasicAuth(text: string): string | undefined {
  for (const tokens of commandTokens(text)) {
    const words = tokens.map((t) => t.text);
    if (!words.some((w) => programName(w) === 'curl')) continue;
    let userinfo: string | undefined;
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const next = words[i + 1];
      const grouped = groupedOption(w, next, SHORT_VALUE_LETTERS.curl);
      const given = w === '-u' || w === '--user' ? next : w.startsWith('--user=') ? w.slice('--user='.length) : grouped?.option === '-u' ? grouped.value : undefined;
      if (given !== undefined) return given.includes(':') ? given : undefined;
      const url = /^https?:\/\/([^\s/?#@]+)@/i.exec(w);
      if (url && userinfo === undefined) userinfo = url[1]!.split(':').map(decodedUri).join(':');
    }
    if (userinfo?.includes(':')) return userinfo;
  }
  return undefined;
}

/** A URL part decoded, or as written when it is not valid percent-encoding. */
export function decodedUri(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
