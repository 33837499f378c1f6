/**
 * Credentials a runbook writes (`curl -u admin:PASSWORD`, `?token=…`, `PGPASSWORD=… psql`,
 * `postgres://app:PASSWORD@db/app`, `-H "Authorization: Bearer …"`, `redis-cli -a PASSWORD`) never
 * reach the proposal: a team commits it to git. Each becomes a `${NAME}` reference, named for the
 * service and what it holds, and is listed with where the runbook wrote it. Which values are
 * credentials is lib/secrets.ts's rule (writtenSecrets), the same the runbook engine masks by.
 */
import { headerValueSecrets, isCredentialHeader, MIN_SECRET_LENGTH, writtenSecrets } from '../lib/secrets.js';
import { envPart } from './context.js';
import type { Proposal, Todo } from './model.js';

/** A runbook's commands as import read them: the file the proposal refers to it by, and its service. */
export interface CommandSource {
  ref: string;
  service: string;
  commands: { text: string; line: number }[];
}

interface Found {
  value: string;
  name: string;
  hint: string;
}

/** What a runbook writes in a credential's place: a variable (`$DB_PASSWORD`, `${TOKEN}`), a placeholder (`<password>`, `{{token}}`, `***`). */
const STANDS_IN = /^(\$\{?[A-Za-z_]\w*(:-[^}]*)?\}?|<[^<>]*>|\{\{?[^{}]*\}\}?|\[[^[\]]*\]|\*+|x{3,}|\.{3}|…)$/i;

/** Programs whose credential is a store's password: the variable says which store. */
const PROGRAM_STORE: [RegExp, string][] = [
  [/\bredis-cli\b/, 'REDIS'],
  [/\b(mysql\w*|mariadb)\b/, 'MYSQL'],
];

/**
 * What a credential holds, from the words written around it: a parameter or variable name before
 * it (`token=`, `api_key=`, `PGPASSWORD=`), a header (`X-Api-Key: `, `Authorization: Bearer `), a
 * user's password (`user:`) named for the host after `@` or else the user, the password of a store's
 * client (`redis-cli -a`, `mysql -p`) named for the store; Basic credentials (`basic`, their user) named for the user.
 */
function nameFor(text: string, at: number, value: string, service: string, basic: string | undefined): string {
  const before = text.slice(Math.max(0, at - 80), at);
  const after = text.slice(at + value.length);
  const prefix = envPart(service);
  if (basic !== undefined) return `${prefix}_${basic ? `${envPart(basic)}_` : ''}BASIC_AUTH`;
  // A host named like the service itself (`library.prod…` for library-service) adds nothing to the name.
  const own = (host: string | undefined): string | undefined => (host && !prefix.split('_').includes(envPart(host)) ? envPart(host) : undefined);
  const assigned = /([A-Za-z_][\w.-]*)=$/.exec(before);
  if (assigned) return `${prefix}_${envPart(assigned[1]!)}`;
  const header = /([A-Za-z][\w-]*):\s+(?:[A-Za-z]+\s+)?$/.exec(before);
  if (header) {
    if (!/^(proxy-)?authorization$/i.test(header[1]!)) return `${prefix}_${envPart(header[1]!)}`;
    const host = own(/https?:\/\/(?:[^\s/@]*@)?([A-Za-z][A-Za-z0-9-]*)/.exec(after)?.[1]);
    return `${prefix}_${host ? `${host}_` : ''}TOKEN`;
  }
  const user = /([A-Za-z0-9._%+-]*):$/.exec(before);
  if (user) {
    const whose = own(/^@([A-Za-z][A-Za-z0-9-]*)/.exec(after)?.[1]) ?? (user[1] ? envPart(user[1]) : undefined);
    if (whose) return `${prefix}_${whose}_PASSWORD`;
  }
  const store = PROGRAM_STORE.find(([re]) => re.test(before))?.[1];
  return `${prefix}_${store ? `${store}_` : ''}PASSWORD`;
}

/** The user of Basic credentials written after `Basic ` (base64 of `user:password`), or undefined when `value` is not those. */
function basicUser(before: string, value: string): string | undefined {
  if (!/(^|\s)Basic\s+$/i.test(before)) return undefined;
  const pair = Buffer.from(value, 'base64').toString('utf8');
  return pair.includes(':') ? pair.slice(0, pair.indexOf(':')) : undefined;
}

/** Where `text` writes `value` as a value (after a space, `=`, `:` or a quote), not inside a word (`redis` of `redis-cli`); else its first place. */
function whereWritten(text: string, value: string): number {
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) if (at > 0 && /[\s=:'"]/.test(text[at - 1]!)) return at;
  return text.indexOf(value);
}

/** Credential variables by value, with a name each, unique across the proposal. */
class Credentials {
  private readonly byValue = new Map<string, Found>();
  private readonly names = new Set<string>();
  readonly used = new Map<string, Todo>();

  /** Names every credential `text` writes (`extra`: ones its place says it holds) not named yet; returns them. */
  add(text: string, service: string, where: string, extra: string[] = []): string[] {
    const values = [...new Set([...writtenSecrets(text), ...extra])].filter((v) => v.length >= MIN_SECRET_LENGTH && !STANDS_IN.test(v));
    const out: string[] = [];
    for (const value of values) {
      // Forms the text does not write as such (the Basic base64 of `user:password`) are never copied either.
      if (!text.includes(value)) continue;
      out.push(value);
      if (this.byValue.has(value)) continue;
      const at = whereWritten(text, value);
      const user = basicUser(text.slice(0, at), value);
      const base = nameFor(text, at, value, service, user);
      let name = base;
      for (let n = 2; this.names.has(name); n++) name = `${base}_${n}`;
      this.names.add(name);
      const hint = user === undefined ? `the credential the runbook writes ${where}` : `base64 of ${user}:PASSWORD, the Basic auth the runbook's curl sends ${where}`;
      this.byValue.set(value, { value, name, hint });
    }
    return out;
  }

  /** `text` with `values` (longest first) as their `${NAME}`. */
  replace(text: string, values: string[]): string {
    let out = text;
    for (const value of [...values].sort((a, b) => b.length - a.length)) {
      const f = this.byValue.get(value);
      if (!f || !out.includes(value)) continue;
      out = out.split(value).join(`\${${f.name}}`);
      this.used.set(f.name, { name: f.name, hint: f.hint });
    }
    return out;
  }
}

type Path = (string | number)[];

function mapStrings<T>(value: T, fn: (s: string, path: Path) => string, path: Path = []): T {
  if (typeof value === 'string') return fn(value, path) as T;
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, fn, [...path, i])) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn, [...path, k])])) as T;
  return value;
}

/** What a value holds by its place: a credential header's value (`headers: { Authorization: Bearer … }`) but its scheme. */
function byPlace(value: string, path: Path): string[] {
  const name = path.at(-1);
  return path.at(-2) === 'headers' && typeof name === 'string' && isCredentialHeader(name) ? headerValueSecrets(`${name}: ${value}`) : [];
}

/**
 * The proposal with every credential its strings write (a URL's `?token=…`, a quoted command's
 * `-a PASSWORD`, a credential header's value) replaced by a `${NAME}` reference: entries, notes,
 * findings, hints and Prometheus rules. Each string is read on its own, so a credential that is
 * also a common word (`-a redis`) is replaced only where it stands as a credential. Names come
 * from the runbook command that wrote the credential, where one did (it says the most).
 * `credentials` lists the variables to set.
 */
export function withoutCredentials(proposal: Proposal, sources: CommandSource[]): Proposal {
  const credentials = new Credentials();
  for (const s of sources) for (const c of s.commands) credentials.add(c.text, s.service, `in ${s.ref}:${c.line}`);
  const serviceOf = new Map(sources.map((s) => [s.ref, s.service]));
  const clean = (file: string | undefined, line: number | undefined) => (s: string, path: Path = []): string => {
    const found = credentials.add(s, serviceOf.get(file ?? '') ?? 'import', file ? `in ${file}:${line}` : 'in the runbooks', byPlace(s, path));
    return found.length > 0 ? credentials.replace(s, found) : s;
  };
  const items = proposal.items.map((item) => {
    const at = clean(item.sources[0]?.file, item.sources[0]?.line);
    return { ...item, body: mapStrings(item.body, at), notes: item.notes.map((n) => at(n)) };
  });
  const findings = proposal.findings.map((f) => ({ ...f, text: clean(f.source.file, f.source.line)(f.text) }));
  const prometheusRules = proposal.prometheusRules.map((r) => mapStrings(r, clean(r.source.file, r.source.line)));
  const todos = proposal.todos.map((t) => ({ ...t, hint: clean(undefined, undefined)(t.hint) }));
  return { ...proposal, items, findings, prometheusRules, todos, credentials: [...credentials.used.values()] };
}
