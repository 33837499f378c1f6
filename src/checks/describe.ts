import type { CheckConfig } from '../config/schema/checks.js';
import { configSecrets, maskWritten } from '../lib/secrets.js';
import { OpsbookError } from '../lib/errors/index.js';
// The conditions' parser alone, not compile.js: that loads every check kind with its probe code.
import { parseCheckConditions } from './check-conditions.js';

/** What a check probes, as one line, its credentials masked (a URL's userinfo, `?token=…`, `&sig=…`, a command's `-pPASSWORD`): the TARGET of `check list`. */
export function describeCheckTarget(c: CheckConfig): string {
  return maskWritten(rawTarget(c), configSecrets(c));
}

function rawTarget(c: CheckConfig): string {
  const o = c as Record<string, unknown>;
  if (typeof o.url === 'string') return o.url.replace(/\/\/[^/@]*@/, '//***@');
  if (typeof o.host === 'string') return `${o.host}:${o.port ?? ''}`;
  if (c.kind === 'dns') return `${o.type} ${o.name}`;
  if (c.kind === 'command') return Array.isArray(o.command) ? o.command.join(' ') : String(o.command);
  if (c.kind === 'file') return String(o.path);
  return '';
}

/** A check's condition lists as written: what must hold, and what raises warning or critical. */
export function checkThresholds(c: CheckConfig): { conditions: string[]; warning: string[]; critical: string[] } {
  const { lists, issues } = parseCheckConditions(c, `checks.${c.id}`);
  // As compiling the check would: the first condition problem, thrown.
  const first = issues[0];
  if (first) throw new OpsbookError(first.code, first.message, { location: { path: first.path } });
  return { conditions: lists.conditions.map((p) => p.text), warning: lists.warning.map((p) => p.text), critical: lists.critical.map((p) => p.text) };
}

/**
 * Whether a check is judged by levels as well as up or down (it has `warning:` or `critical:`
 * thresholds, as a metrics gauge does): its figures then read "within thresholds", counting its
 * warning and critical runs, where a check judged up or down reads uptime.
 */
export function hasThresholds(c: CheckConfig): boolean {
  const { warning, critical } = c as { warning?: unknown; critical?: unknown };
  return (Array.isArray(warning) && warning.length > 0) || (Array.isArray(critical) && critical.length > 0);
}
