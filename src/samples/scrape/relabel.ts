import { anchoredRegex } from '../../promql/index.js';
import type { RelabelConfig } from '../../config/schema/scrape.js';

export type LabelSet = Record<string, string>;

const VALID_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Prometheus relabelling (model/relabel) for the actions opsbook supports: replace, keep, drop,
 * labeldrop, labelkeep, labelmap, lowercase, uppercase. Returns the new label set, or undefined when
 * the target or series is dropped. An empty value removes a label.
 */
export function relabel(labels: LabelSet, configs: readonly RelabelConfig[]): LabelSet | undefined {
  let out: LabelSet = { ...labels };
  for (const c of configs) {
    const re = anchoredRegex(c.regex);
    const value = c.source_labels.map((n) => out[n] ?? '').join(c.separator);
    switch (c.action) {
      case 'keep':
        if (!re.test(value)) return undefined;
        break;
      case 'drop':
        if (re.test(value)) return undefined;
        break;
      case 'replace': {
        const m = re.exec(value);
        if (!m) break;
        const target = expand(c.target_label!, m);
        if (!VALID_NAME.test(target)) break;
        const res = expand(c.replacement, m);
        if (res === '') delete out[target];
        else out[target] = res;
        break;
      }
      case 'lowercase':
      case 'uppercase': {
        const v = c.action === 'lowercase' ? value.toLowerCase() : value.toUpperCase();
        if (v === '') delete out[c.target_label!];
        else out[c.target_label!] = v;
        break;
      }
      case 'labeldrop':
      case 'labelkeep':
        out = Object.fromEntries(Object.entries(out).filter(([n]) => re.test(n) === (c.action === 'labelkeep')));
        break;
      case 'labelmap': {
        const add: LabelSet = {};
        for (const [n, v] of Object.entries(out)) {
          const m = re.exec(n);
          if (m) add[expand(c.replacement, m)] = v;
        }
        Object.assign(out, add);
        break;
      }
    }
  }
  return out;
}

/** `$1`, `${1}`, `$name`, `${name}` in a template, from a match (Go's Regexp.Expand; `$$` is a `$`). */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{(\w+)\}|(\w+))/g, (_whole, dollar: string, braced?: string, bare?: string) => {
    if (dollar === '$') return '$';
    const ref = braced ?? bare!;
    const v = /^\d+$/.test(ref) ? m[Number(ref)] : m.groups?.[ref];
    return v ?? '';
  });
}
