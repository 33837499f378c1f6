import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { MASK, MIN_SECRET_LENGTH, maskSecrets, secretForms, writtenSecrets, type OpsConfig } from '../config/index.js';
import { OpsbookError } from '../lib/errors/index.js';
import type { ParameterSource, PlanParameter } from './types.js';

/**
 * Parameters: the values a runbook's placeholders (`<pod-name>`, `${DB_HOST}`, `{webhookId}`,
 * `$TOKEN`) take. Names are matched loosely — case, `-` and `_` do not matter — so `<redis-host>`,
 * `$REDIS_HOST` and `--param redis_host=…` are one parameter.
 */

export type Service = OpsConfig['services'][number];
export type ProcedureSettings = OpsConfig['procedures'][string];

/** Masking is the config's: one mask, one rule, for steps and checks alike. */
export { MASK, maskSecrets };

export interface BoundValue {
  value: string;
  secret: boolean;
  source: ParameterSource;
}

/** Bound values by normalised name. */
export type ParamValues = Map<string, BoundValue>;

/** The bare, normalised name of a placeholder or parameter: `<Pod-Name>` → `pod_name`. */
export function paramKey(name: string): string {
  return name.replace(/^\$\{?|^[<{]|[>}]$/g, '').toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

const SECRET_NAME = /(token|secret|passw(or)?d|passwd|api_?key|private_?key|credential|auth)/i;

/** Names that look like they hold a secret are masked even when nobody said so. */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Values the service's config offers: its id, base URL, and the parts of its database URLs (never passwords). */
export function serviceValues(service: Service | undefined): Record<string, string> {
  if (!service) return {};
  const out: Record<string, string> = { service: service.id, service_id: service.id };
  if (service.base_url) out.base_url = service.base_url;
  const url = (prefix: string[], raw: string | undefined): void => {
    if (!raw) return;
    try {
      const u = new URL(raw);
      for (const p of prefix) {
        out[`${p}_host`] = u.hostname;
        if (u.port) out[`${p}_port`] = u.port;
        if (u.username) out[`${p}_user`] = decodeURIComponent(u.username);
        const db = u.pathname.replace(/^\//, '');
        if (db) out[`${p}_name`] = decodeURIComponent(db);
      }
    } catch {
      // The schema already checked the scheme; an unparsable rest leaves these unset.
    }
  };
  url(['db', 'pg', 'postgres', 'database'], service.postgres?.url);
  url(['redis'], service.redis?.url);
  for (const [k, v] of Object.entries(service.shell?.env ?? {})) out[paramKey(k)] = v;
  return out;
}

export interface BindInput {
  /** Given by the person running it (`--param k=v`). */
  person?: Record<string, string>;
  /** Names the person marked secret. */
  secretNames?: string[];
  settings?: ProcedureSettings;
  incidentLabels?: Record<string, string>;
  service?: Service;
  /** Outputs of earlier steps, by name. */
  outputs?: Record<string, string>;
  /** Environment opsbook reads `procedures[…].params.*.env` from. */
  env?: Record<string, string | undefined>;
  /** Directory `params.*.file` paths are relative to. */
  baseDir?: string;
  /** The config's credentials (`configSecrets`): a parameter holding one is secret whatever its name. */
  configSecrets?: ReadonlySet<string>;
}

/** Binds every source, most specific last so it wins: service < incident < outputs < config < person. */
export function bindParameters(input: BindInput): { values: ParamValues; problems: string[] } {
  const values: ParamValues = new Map();
  const problems: string[] = [];
  const secretKeys = new Set((input.secretNames ?? []).map(paramKey));
  const put = (name: string, value: string, source: ParameterSource, secret = false): void => {
    const key = paramKey(name);
    const credential = input.configSecrets?.has(value) === true;
    values.set(key, { value, source, secret: secret || credential || secretKeys.has(key) || looksSecret(name) || values.get(key)?.secret === true });
  };
  for (const [k, v] of Object.entries(serviceValues(input.service))) put(k, v, 'service');
  for (const [k, v] of Object.entries(input.incidentLabels ?? {})) put(k, v, 'incident');
  for (const [k, v] of Object.entries(input.outputs ?? {})) put(k, v, 'output');
  for (const [name, p] of Object.entries(input.settings?.params ?? {})) {
    let value: string | undefined;
    if (p.value !== undefined) value = p.value;
    else if (p.env !== undefined) {
      value = (input.env ?? process.env)[p.env];
      if (value === undefined) problems.push(`parameter ${name}: environment variable ${p.env} is not set`);
    } else if (p.file !== undefined) {
      const path = isAbsolute(p.file) || !input.baseDir ? p.file : join(input.baseDir, p.file);
      try {
        value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        problems.push(`parameter ${name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    if (value !== undefined) put(name, value, 'config', p.secret);
    else if (p.secret) secretKeys.add(paramKey(name));
  }
  for (const [k, v] of Object.entries(input.person ?? {})) put(k, v, 'person');
  return { values, problems };
}

/**
 * What masking replaces, longest first: secret parameters in every form a step may show them (as
 * given, URL-encoded), and the config's credentials (`configSecrets`, already in those forms).
 */
export function secretValues(values: ParamValues, fromConfig: readonly string[] = []): string[] {
  const all = new Set(fromConfig);
  for (const v of values.values()) if (v.secret && v.value.length > 0) for (const f of secretForms(v.value)) all.add(f);
  return [...all].sort((a, b) => b.length - a.length);
}

const PLACEHOLDER = /\$\{?[A-Za-z_]\w*\}?|<[A-Za-z][\w.-]*>|\{[A-Za-z_][\w-]*\}/;

/**
 * Credentials a command writes itself (lib/secrets.ts writtenSecrets): a URL's password or token
 * and the Basic credentials sent for it, a credential query value (`?token=…`), a schemeless
 * `user:PASSWORD@host`, curl's `-u user:PASSWORD` with its Basic form, mysql's `-pPASSWORD`,
 * `--password=…`, `PGPASSWORD=…`, a credential header (`-H 'X-Api-Key: …'`); in every form a step
 * may show them. A placeholder left unbound (`<password>`, `$PASSWORD`) is not a value.
 */
export function commandSecrets(text: string): string[] {
  return writtenSecrets(text)
    .filter((s) => s.length >= MIN_SECRET_LENGTH && !PLACEHOLDER.test(s))
    .flatMap(secretForms);
}

/**
 * Values nobody in `users:` chose: an incident's labels come from whoever holds an integration key,
 * an earlier step's output from the system being repaired. They are shown as such before a step runs.
 */
export function isUntrusted(source: ParameterSource): boolean {
  return source === 'incident' || source === 'output';
}

/** The parameters a plan shows: used ones only, secrets masked (and secrets inside other values: a URL's password). */
export function shownParameters(values: ParamValues, used: ReadonlySet<string>, secrets: readonly string[] = []): PlanParameter[] {
  const out: PlanParameter[] = [];
  for (const [name, v] of values) {
    if (!used.has(name)) continue;
    out.push({ name, shown: v.secret ? MASK : maskSecrets(v.value, secrets), secret: v.secret, source: v.source, untrusted: isUntrusted(v.source) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Parses `k=v` pairs from the command line. */
export function parseParamFlags(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new OpsbookError('OPSBOOK_E_USAGE', `--param ${p}: expected NAME=VALUE`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}
