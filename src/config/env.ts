/**
 * `${VAR}` expansion in config values. `$${` writes a literal `${`; any other `$` is kept as is.
 * A variable that is not set is reported by name (an empty value counts as set).
 */

export interface Expansion {
  value: string;
  /** Variables referenced but not set, in order of appearance. */
  missing: string[];
  /** Problems with the `${…}` syntax itself, e.g. an unterminated reference. */
  malformed: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function expandEnv(text: string, env: Record<string, string | undefined>): Expansion {
  const missing: string[] = [];
  const malformed: string[] = [];
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
    const name = text.slice(dollar + 2, close);
    if (!NAME.test(name)) {
      malformed.push(`"\${${name}}" is not a variable reference (write $\${ for a literal \${)`);
      value += text.slice(dollar, close + 1);
    } else if (env[name] === undefined) {
      if (!missing.includes(name)) missing.push(name);
    } else {
      value += env[name];
    }
    i = close + 1;
  }
  return { value, missing, malformed };
}
