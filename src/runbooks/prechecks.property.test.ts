import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyBlock } from './classify/index.js';
import { parseRunbook, PhaseReader } from './index.js';
import { DEFAULT_PHASES } from './phases.js';
import { setSpeedups } from './speedups.js';
import { scaled } from '../../test/support/timing.js';

/**
 * `speedups.prechecks` looks at a whole shell block once before looking at each of its lines,
 * asks a strict PromQL parse whether a query parses before Lezer's recovering one, looks for an
 * admin command in a mongo shell snippet before the patterns that read one, and
 * reads each heading and label of a document as a phase once. Whatever the text, the results must
 * be those of the reader without them.
 */
function both<T>(read: () => T): { plain: T; fast: T } {
  setSpeedups({ prechecks: false });
  const plain = read();
  setSpeedups({ prechecks: true });
  return { plain, fast: read() };
}

/** Shell lines, with SQL, redis-cli sessions and prompts where the per-line reading finds them, and their look-alikes where it must not. */
const shellLine = fc.oneof(
  fc.constantFrom(
    'kubectl get pods -n <namespace>', 'rm -rf /tmp/x', 'echo "a  b" | grep a', 'X=1 && echo $X', 'for i in 1 2; do echo $i; done', '# comment',
    'SELECT 1;', '  select 1;', 'SELECT * FROM t', '\tUPDATE t SET a = 1;', 'DELETE FROM t WHERE id = <id>;', 'VACUUM ANALYZE t;', 'ALTER TABLE t ADD c int;', 'CREATE INDEX i ON t (a);',
    'echo SELECT', 'SELECTED=1', 'WITHOUT=1 echo', 'x SELECT 1', 'SELECT\r', '\u2028SELECT 1', 'GRANT', '\u00a0SELECT 1;', '\u000b\u3000DROP TABLE t;', ' SHOWN=1', 'WITH',
    'redis-cli', 'redis-cli -h prod-redis', 'sudo redis-cli -n 2', 'redis-cli GET k', 'redis-cli | cat', 'echo redis-cli', '# redis-cli KEYS *',
    '> DEL a:b', '127.0.0.1:6379> KEYS *', 'prod-redis:6379> GET k', '>  INFO',
    '$ kubectl get pods', '  $ ls -la', '$ ', 'echo $ HOME', 'cost=$ 5', '',
  ),
  fc.string({ maxLength: 16 }),
);

/** PromQL lines: whole queries, queries spread over lines, broken ones, comments and blanks. */
const promqlLine = fc.oneof(
  fc.constantFrom(
    'up', 'rate(http_requests_total[5m])', 'sum by (job) (', '  rate(x[5m])', ')', 'histogram_quantile(0.99, sum(rate(h_bucket[5m])) by (le))', 'up == 0',
    'rate(x[5m]', 'sum(x) by', '{job="api"}', 'x{job="<job>"} > 0.5', '# a comment', '', '  ', 'and on(instance)', 'count(up) > 3 or vector(1)', 'foo bar', '"text"',
  ),
  fc.string({ maxLength: 12 }),
);

/** Mongo shell lines: with and without the admin commands the block's one look is for, and their look-alikes. */
const mongoLine = fc.oneof(
  fc.constantFrom(
    'db.users.find({})', 'db.adminCommand({ ping: 1 })', "db.adminCommand('replSetStepDown')", 'db.runCommand({ compact: "t" })', 'rs.status()', 'db.getSiblingDB("a").runCommand({ dbStats: 1 })',
    'db.x.deleteMany({})', 'adminCommand', 'db.Command()', 'runCommand ( { hello: 1 } )', '// db.adminCommand({ ping: 1 })', 'x.y = 1', 'db.t.aggregate([{ $out: "c" }])', '',
  ),
  fc.string({ maxLength: 16 }),
);

/** Document lines whose headings and labels repeat, in the built-in vocabulary and a configured one. */
const docLine = fc.oneof(
  fc.constantFrom(
    '# Runbook', '## Troubleshooting', '## RB-001: Queue backlog', '### Diagnosis', '### Diagnosis and mitigation', '### Mitigating', '### Notes', '### Related alerts', '### Verification',
    '### Check the queue', '### Restore procedure', '## Emergency procedures', '### Triage', '#### Steps',
    '**Symptoms:**', '**Diagnosis:**', '**Resolution Steps:**', '**Procedure:**', '**Careful:** do not run twice', '**Check worker logs**', '**Triage**',
    '1. Check worker logs', '2. **Restart the workers**', '- Verify', '- Verify recovery', '- [ ] notify users', 'Some prose.', '',
    '```bash\nkubectl get pods\n```', '```bash\nkubectl delete pod x\n```', '```sql\nSELECT 1;\n```', '```bash\nredis-cli\n> KEYS *\n```',
  ),
  fc.string({ maxLength: 16 }),
);

/** Words the phase rules are made of, so generated labels hit and nearly hit them. */
const labelWord = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('diagnosis', 'steps', 'check', 'the', 'queue', 'verify', 'verification', 'roll', 'back', 'rollback', 'post-incident', 'review', 'if', 'this', 'fails', 'how', 'to', 'fix', 'possible', 'resolutions', 'immediate', 'actions', 'and', '&', '/', 'impact', 'business', 'symptoms', 'observed', 'notes', 'related', 'alerts', 'follow-up', 'long-term', 'escalation', 'path', 'smoke', 'tests', 'what', 'it', 'means', '1.', '**', '(quick)', ':') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

describe('prechecks change no result', () => {
  afterEach(() => setSpeedups({ prechecks: true }));

  it('reads generated headings and labels as the same phases with and without the one look at all rules', () => {
    fc.assert(
      fc.property(fc.array(labelWord, { minLength: 1, maxLength: 6 }), fc.constantFrom(' ', '  ', '\t'), (words, space) => {
        const label = words.join(space);
        const { plain, fast } = both(() => DEFAULT_PHASES.of(label));
        expect(fast).toEqual(plain);
      }),
      { numRuns: 20_000 },
    );
  });

  it('classifies generated shell blocks the same with and without the look at the whole block', () => {
    fc.assert(
      fc.property(fc.array(shellLine, { maxLength: 8 }), fc.constantFrom('bash', 'sh', 'shell', 'console'), fc.integer({ min: 1, max: 50 }), (lines, language, first) => {
        const code = lines.join('\n');
        const { plain, fast } = both(() => classifyBlock(code, language, first));
        expect(fast).toEqual(plain);
      }),
      { numRuns: 3000 },
    );
  }, scaled(600_000));

  it('classifies generated PromQL blocks the same with and without the strict parse before the recovering one', () => {
    fc.assert(
      fc.property(fc.array(promqlLine, { maxLength: 8 }), fc.integer({ min: 1, max: 50 }), (lines, first) => {
        const code = lines.join('\n');
        const { plain, fast } = both(() => classifyBlock(code, 'promql', first));
        expect(fast).toEqual(plain);
      }),
      { numRuns: 3000 },
    );
  }, scaled(600_000));

  it('classifies generated mongo shell blocks the same with and without the look for admin commands', () => {
    fc.assert(
      fc.property(fc.array(mongoLine, { maxLength: 6 }), fc.constantFrom('javascript', 'js', 'mongo'), (lines, language) => {
        const code = lines.join('\n');
        const { plain, fast } = both(() => classifyBlock(code, language, 1));
        expect(fast).toEqual(plain);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads generated documents the same with and without reading each label once per document', () => {
    const configured = new PhaseReader({ diagnosis: ['Check the queue'], notes: ['Triage'], steps: ['Steps'] });
    fc.assert(
      fc.property(fc.array(docLine, { maxLength: 24 }), fc.boolean(), (lines, custom) => {
        const text = lines.join('\n\n');
        const { plain, fast } = both(() => parseRunbook(text, { file: 'gen.md', ...(custom ? { phases: configured } : {}) }));
        expect(fast).toEqual(plain);
      }),
      { numRuns: 1500 },
    );
  }, scaled(600_000));
});
