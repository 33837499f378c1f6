import { describe, expect, it } from 'vitest';
import { Engine, MemorySeriesSource } from '../../promql/index.js';
import { parseRuleFile, parseTemplate, RuleFileError, RuleGroupRunner, TemplateError } from './index.js';

const data = { labels: { instance: 'db-1:9187', job: 'postgres' }, value: 0.8734 };

describe('alert templates (the Go text/template subset)', () => {
  it.each([
    ['{{ $labels.instance }} is down', 'db-1:9187 is down'],
    ['{{ .Labels.job }} at {{ .Value }}', 'postgres at 0.8734'],
    ['{{ $value | humanizePercentage }}', '87.34%'],
    ['{{ humanize 1234567 }} {{ humanizeDuration 3725 }}', '1.235M 1h 2m 5s'],
    ['{{ printf "%.1f" $value }}', '0.9'],
    ['{{ if gt $value 0.8 }}critical{{ else if gt $value 0.5 }}warning{{ else }}ok{{ end }}', 'critical'],
    ['{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}', 'instance=db-1:9187;job=postgres;'],
    ['{{- /* a comment */ -}} [{{ $labels.missing }}]', '[]'],
    ['{{ $x := "a" }}{{ $x | toUpper }}', 'A'],
  ])('%s → %s', (template, want) => {
    expect(parseTemplate(template).render(data)).toBe(want);
  });

  it.each([
    ['{{ query "up" }}', /function "query" not defined/],
    ['{{ if $value }}no end', /missing \{\{end\}\}/],
    ['{{ with $labels }}x{{ end }}', /\{\{with\}\} is not supported/],
    ['{{ $value', /unclosed action/],
  ])('refuses %s when it is read', (template, error) => {
    expect(() => parseTemplate(template)).toThrow(TemplateError);
    expect(() => parseTemplate(template)).toThrow(error);
  });
});

describe('rule files', () => {
  it('reports each problem with its line', () => {
    const text = [
      'groups:',
      '  - name: a',
      '    rules:',
      '      - alert: X',
      '        expr: up ==',
      '      - record: bad name',
      '        expr: up',
      '      - alert: Y',
      '        expr: up == 0',
      '        annotations:',
      '          summary: "{{ nope }}"',
      '  - name: a',
      '    rules: []',
    ].join('\n');
    let problems: RuleFileError['problems'] = [];
    try {
      parseRuleFile('rules.yml', text);
    } catch (err) {
      problems = (err as RuleFileError).problems;
    }
    expect(problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([
      [5, 'could not parse expression'],
      [6, 'invalid recording rule name'],
      [11, 'annotations.summary'],
      [12, 'groupname'],
    ]);
  });

  it('a second YAML document is refused at its line, saying what to do', () => {
    let problems: RuleFileError['problems'] = [];
    try {
      parseRuleFile('rules.yml', 'groups: []\n---\ngroups: []\n');
    } catch (err) {
      problems = (err as RuleFileError).problems;
    }
    expect(problems).toEqual([{ file: 'rules.yml', line: 2, message: 'a second YAML document starts here (after ---); a file holds one: remove the --- or move what follows to a file of its own' }]);
  });

  it('an alert is pending until `for` has passed, then firing, and resolves when its series goes', () => {
    const [group] = parseRuleFile('r.yml', 'groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n    for: 2m\n    labels: {severity: page}\n    annotations: {summary: "{{ $labels.job }} down"}\n');
    const source = new MemorySeriesSource();
    const engine = new Engine(source);
    const runner = new RuleGroupRunner(group!);
    const rule = group!.rules[0]!;
    if (rule.kind !== 'alert') throw new Error('expected an alerting rule');
    const states: string[] = [];
    for (let m = 0; m <= 5; m++) {
      source.add({ __name__: 'up', job: 'api' }, m * 60_000, m < 4 ? 0 : 1);
      runner.evaluate({ engine, sink: source }, m * 60_000);
      states.push([...runner.active.get(rule)!.values()].map((a) => a.state).join() || '-');
    }
    expect(states).toEqual(['pending', 'pending', 'firing', 'firing', 'inactive', 'inactive']);
    const alerts = engine.instant('ALERTS', 3 * 60_000);
    expect(alerts).toMatchObject({ kind: 'vector', samples: [{ metric: { alertname: 'Down', alertstate: 'firing', job: 'api', severity: 'page' } }] });
  });
});
