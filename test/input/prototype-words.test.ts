/**
 * Words a user types that are also members of Object.prototype (`constructor`, `toString`,
 * `valueOf`, `__proto__` …): a lookup in a table keyed by such a word must find only the table's
 * own entries. Found by the shell-shape property test (a command named `valueOf` threw in the
 * masking of its credentials); these are its relatives on every input surface that looks a typed
 * word up in a plain object.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandLineSecrets } from '../../src/lib/command-secrets.js';
import { familyOf } from '../../src/runbooks/language.js';
import { parseRuleCondition } from '../../src/alerts/condition.js';
import { Engine, MemorySeriesSource, parseExpr, PromQLError } from '../../src/promql/index.js';
import { labelMatches } from '../../src/lib/labels.js';
import { renderTemplate } from '../../src/alerts/template.js';
import { expandEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/index.js';
import { configDir } from '../../src/config/test-support.js';

const WORDS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('words that are members of Object.prototype', () => {
  it.each(WORDS)('a command named %s: its credentials are still found, nothing throws', (w) => {
    expect(commandLineSecrets(`${w} --password=hunter2 -u me:pw`)).toEqual(['hunter2']);
    expect(commandLineSecrets(`curl -u me:s3cret http://x/${w}`)).toContain('s3cret');
    // Grouped short options (`-sSu`) are read by a table of the program's value-taking letters.
    expect(commandLineSecrets(`${w} -sSu me:pw --token=t0k`)).toEqual(['t0k']);
  });

  it.each(WORDS)('a code fence in %s is of no known language', (w) => {
    expect(familyOf(w)).toBe('other');
  });

  it.each(WORDS)('a rule condition "%s == 5" reads the word as it reads "foo == 5": a literal, no placeholder; ordered against 5, it is refused as foo is', (w) => {
    const foo = parseRuleCondition('foo == 5').parsed;
    const word = parseRuleCondition(`${w} == 5`).parsed;
    expect(foo.ast).toMatchObject({ type: 'compare', left: { type: 'literal', literal: { text: 'foo' } } });
    expect(word.ast).toMatchObject({ type: 'compare', left: { type: 'literal', literal: { text: w } } });
    expect(word.placeholders).toEqual(foo.placeholders);
    const refusal = (text: string) => {
      try {
        parseRuleCondition(text);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(refusal(`${w} > 5`)).toBe(refusal('foo > 5').replaceAll('foo', w));
  });

  // `constructor` and `__proto__` the PromQL grammar itself rejects earlier (its own keyword table is a
  // plain object): a parse error at the first character, still a PromQLError with its position.
  it.each(WORDS)('PromQL %s(up) is refused with a PromQLError, naming the unknown function where the grammar reads one', (w) => {
    expect(() => parseExpr('foo(up)')).toThrow('unknown function with name "foo"');
    const refusal = (() => {
      try {
        parseExpr(`${w}(up)`);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(PromQLError);
    if (w !== 'constructor' && w !== '__proto__') expect((refusal as Error).message).toBe(`unknown function with name "${w}"`);
  });

  it.each(WORDS)('${%s} in the config is a missing variable, not a function\'s source', (w) => {
    const expanded = expandEnv(`x\${${w}}y`, { HOME: '/root' });
    expect(expanded.value).not.toContain('function');
    expect(expanded.missing).toEqual([w]);
    // Against the real environment too: it inherits from Object.prototype.
    expect(expandEnv(`\${${w}:-fallback}`, process.env).value).toBe('fallback');
  });

  it('a procedure keyed "constructor" in a second file is judged as itself, not as a duplicate', async () => {
    const { dir, cleanup } = await configDir({
      // more.yaml is read first: ops.yaml's keys are the ones looked up in what is already there.
      'more.yaml': 'procedures:\n  "a.md#toString": { service: web }\nservices:\n  - { id: web, base_url: "http://127.0.0.1:1" }\n',
      'ops.yaml': 'procedures:\n  "a.md#constructor": { service: web }\n  constructor: { service: web }\n',
    });
    cleanups.push(cleanup);
    const result = await loadConfig(dir, { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => [i.code, i.message])).toEqual([['OPSBOOK_E_CONFIG_INVALID', 'key "constructor" must be a procedure reference FILE#ID, e.g. runbooks/db.md#restore']]);
  });

  it('a "__proto__" key is refused at its line, not dropped without a word', async () => {
    const { dir, cleanup } = await configDir({
      'ops.yaml': 'services:\n  - { id: web, base_url: "http://127.0.0.1:1" }\nprocedures:\n  "a.md#one": { service: web }\n  __proto__: { service: web }\n',
    });
    cleanups.push(cleanup);
    const result = await loadConfig(dir, { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([expect.objectContaining({ code: 'OPSBOOK_E_CONFIG_INVALID', file: join(dir, 'ops.yaml'), line: 5, message: expect.stringContaining('"__proto__" cannot be a key') })]);
  });

  it('runbook phase words keyed constructor in two files add up, as any other phase does', async () => {
    const { dir, cleanup } = await configDir({
      'ops.yaml': 'runbooks:\n  files: []\n  phases: { constructor: [alpha] }\n',
      'more.yaml': 'runbooks:\n  phases: { constructor: [beta], toString: [gamma] }\n',
    });
    cleanups.push(cleanup);
    const result = await loadConfig(dir, { env: {} });
    // Unknown phase names are the schema's to judge; the merge itself must not throw or invent entries.
    const text = result.ok ? JSON.stringify(result.config.runbooks) : JSON.stringify(result.issues);
    expect(text).not.toContain('not iterable');
    expect(text).not.toContain('function');
  });

  describe('label names', () => {
    const engine = (): Engine => {
      const source = new MemorySeriesSource();
      source.add({ __name__: 'up', job: 'a' }, 0, 1);
      source.add({ __name__: 'up', job: 'b' }, 0, 1);
      return new Engine(source);
    };

    it.each(WORDS)('a series without the label %s matches label="" and not label=~".+", as for any label it lacks', (w) => {
      const e = engine();
      expect(e.instant(`up{${w}=""}`, 1000)).toMatchObject({ samples: [{}, {}] });
      expect(e.instant(`up{${w}=~".+"}`, 1000)).toEqual({ kind: 'vector', samples: [] });
      expect(e.instant(`up{${w}!=""}`, 1000)).toEqual({ kind: 'vector', samples: [] });
    });

    it.each(WORDS)('sum by (%s) over series without it is one series with no labels', (w) => {
      const v = engine().instant(`sum by (${w}) (up)`, 1000);
      expect(v).toEqual({ kind: 'vector', samples: [expect.objectContaining({ metric: {}, value: 2 })] });
    });

    it.each(WORDS)('label_replace and label_join read %s as a label the series lacks', (w) => {
      const e = engine();
      const replaced = e.instant(`label_replace(up, "dst", "x$1", "${w}", "(.*)")`, 1000);
      expect(replaced).toMatchObject({ samples: [{ metric: { dst: 'x' } }, { metric: { dst: 'x' } }] });
      const joined = e.instant(`label_join(up, "dst", "-", "job", "${w}")`, 1000);
      expect(joined).toMatchObject({ samples: [{ metric: { dst: 'a-' } }, { metric: { dst: 'b-' } }] });
    });

    it.each(WORDS)('a route matcher on %s="" matches an incident without that label', (w) => {
      expect(labelMatches({ label: w, op: '=', value: '' }, { service: 'web' })).toBe(true);
      expect(labelMatches({ label: w, op: '!=', value: '' }, { service: 'web' })).toBe(false);
    });

    it.each(WORDS)('an annotation {{ labels.%s }} of an alert without that label renders empty', (w) => {
      expect(renderTemplate(`[{{ labels.${w} }}] {{ $labels.job }}`, { labels: { job: 'api' } })).toBe('[] api');
    });
  });
});
