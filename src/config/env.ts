/**
 * `${VAR}` expansion in config values, as a POSIX shell does it: `${VAR:-text}` takes `text` when
 * VAR is unset or empty, `${VAR-text}` only when it is unset (the text is taken as written, up to
 * the first `}`). `$${` writes a literal `${`; any other `$` is kept as is. A variable without a
 * default that is not set is reported by name (an empty value counts as set).
 */

import { looksLikeCredential } from './secrets.js';
import { own } from '../lib/own.js';

export interface Expansion {
  value: string;
  /** Variables referenced but not set, in order of appearance. */
  missing: string[];
  /** Problems with the `${…}` syntax itself, e.g. an unterminated reference. */
  malformed: string[];
  /**
   * Values taken from variables named like a credential (`${DATABASE_PASSWORD}`, `${STRIPE_API_KEY}`),
   * wherever they landed in the value: the config's credentials, whatever key holds them. A default
   * written in the config (`${PGPASSWORD:-postgres}`) is not one.
   */
  secrets: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function expandEnv(text: string, env: Record<string, string | undefined>): Expansion {
  const missing: string[] = [];
  const malformed: string[] = [];
  const secrets: string[] = [];
  let value = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) {
      value += text.slice(i);
      break;
    }
    value += text.slice(i, dollar);
    if (text.startsWith('$${', dollar)) {
      value += '${';
      i = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      value += '$';
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close === -1) {
      malformed.push(`unterminated \${ at character ${dollar + 1} (write $\${ for a literal \${)`);
      value += text.slice(dollar);
      break;
    }
    const inner = text.slice(dollar + 2, close);
    const dash = inner.indexOf('-');
    const name = dash === -1 ? inner : inner.slice(0, inner[dash - 1] === ':' ? dash - 1 : dash);
    const fallback = dash === -1 ? undefined : inner.slice(dash + 1);
    // Only the environment's own variables: `${toString}` is not Object.prototype's.
    const set = own(env, name);
    if (!NAME.test(name)) {
      malformed.push(`"\${${inner}}" is not a variable reference (write $\${ for a literal \${)`);
      value += text.slice(dollar, close + 1);
    } else if (fallback !== undefined && (set === undefined || (set === '' && inner[dash - 1] === ':'))) {
      value += fallback;
    } else if (set === undefined) {
      if (!missing.includes(name)) missing.push(name);
    } else {
      value += set;
      if (set !== '' && looksLikeCredential(name) && !secrets.includes(set)) secrets.push(set);
    }
    i = close + 1;
  }
  return { value, missing, malformed, secrets };
}
