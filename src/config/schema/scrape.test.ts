import { describe, expect, it } from 'vitest';
import { configLoader } from '../../../test/support/config.js';

const loadFile = configLoader('opsbook-scrape-schema');
const load = (text: string) => loadFile('ops.yaml', text);

describe('scrape: and samples:', () => {
  it('fills Prometheus defaults and a 2h retention', async () => {
    const r = await load('scrape:\n  - job: node\n    targets: ["127.0.0.1:9100"]\n');
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.samples).toEqual({ retention: 7_200_000, flush_interval: 15_000 });
    expect(r.config.scrape[0]).toMatchObject({ job: 'node', interval: 60_000, metrics_path: '/metrics', scheme: 'http', honor_labels: false });
    expect(r.config.scrape[0]!.scrape_timeout).toBeUndefined();
  });

  it('locates a bad target, a bad regex, a relabel without target_label and a timeout past the interval', async () => {
    const r = await load(
      [
        'samples:', //                                   1
        '  retention: 1m', //                            2
        'scrape:', //                                    3
        '  - job: api', //                               4
        '    interval: 5s', //                           5
        '    scrape_timeout: 10s', //                    6
        '    targets: ["127.0.0.1:9100", "http://x"]', // 7
        '    metric_relabel_configs:', //                8
        '      - source_labels: [__name__]', //          9
        '        regex: "go_(.*"', //                    10
        '        action: drop', //                       11
        '      - source_labels: [a]', //                 12
        '        action: replace', //                    13
        '  - job: api', //                               14
        '    targets: ["h:1"]', //                       15
      ].join('\n'),
    );
    if (r.ok) throw new Error('expected issues');
    expect(r.issues.map((i) => [i.path, i.line])).toEqual([
      ['samples.retention', 2],
      ['scrape[0].targets[1]', 7],
      ['scrape[0].metric_relabel_configs[0].regex', 10],
      ['scrape[0].metric_relabel_configs[1].target_label', 12],
      ['scrape[1].job', 14],
    ]);
    // Rules across keys run once each key is valid, as zod refines an object.
    const t = await load('scrape:\n  - job: api\n    interval: 5s\n    scrape_timeout: 10s\n    targets: ["h:1"]\n');
    if (t.ok) throw new Error('expected issues');
    expect(t.issues.map((i) => [i.path, i.line, i.message])).toEqual([['scrape[0].scrape_timeout', 4, 'scrape_timeout 10s must not be longer than interval 5s; shorten the timeout or lengthen the interval']]);
  });
});
