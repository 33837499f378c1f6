/**
 * `rule_files:` through the whole daemon on a simulated clock: a Prometheus alerting rule with
 * `for: 5m` is pending for 3 minutes, the daemon restarts over the same SQLite file, and the alert
 * fires 2 minutes after the restart (not 5), opening an incident with the severity its label maps
 * to and the procedure its runbook_url names; it resolves when the series goes away.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queueBacklogRules, ruleFilesDaemon } from '../support/rule-files-daemon.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;

const RULES = queueBacklogRules('5m', 'https://runbooks.example.org/queue/');

const OPS = `runbooks:
  files: [runbooks/*.md]
  url_prefixes: [https://runbooks.example.org/]
rule_files: [rules/*.yml]
`;

const RUNBOOK = '# Queues\n\n## RB-7: Queue backlog\n\n**Diagnosis:**\n\n1. Look at the queue\n\n```bash\necho ok\n```\n';

describe('rule_files in the daemon', () => {
  const daemon = ruleFilesDaemon('rule-files', { 'ops.yaml': OPS, 'rules/queue.yml': RULES, 'runbooks/queue.md': RUNBOOK }, { queue: 'emails', minutes: 12 });
  const { clock, advance } = daemon;

  const incidents = () => daemon.server.daemon.store.db.selectFrom('incidents').select(['id', 'state', 'severity', 'runbook', 'opened_at', 'title']).execute();

  it('keeps a pending for: across a restart, fires with severity and procedure, resolves when the series ends', async () => {
    await advance(3 * MINUTE);
    expect(await incidents()).toEqual([]);
    await daemon.server.restart();
    const restartedAt = clock.now();
    await advance(MINUTE + 45_000);
    expect(await incidents()).toEqual([]);
    await advance(15_000);
    const [opened, ...more] = await incidents();
    expect(more).toEqual([]);
    expect(opened).toMatchObject({ severity: 'P3', runbook: 'runbooks/queue.md#RB-7', opened_at: restartedAt + 2 * MINUTE });
    // Samples end at start + 12m: the 5m lookback stops seeing them at +17m.
    await advance(15 * MINUTE);
    const [after] = await incidents();
    expect(after!.state).toBe('resolved');
  }, scaled(120_000));
});

describe('rule_files on a config reload', () => {
  const daemon = ruleFilesDaemon('rule-files-reload', { 'ops.yaml': OPS, 'rules/queue.yml': RULES, 'runbooks/queue.md': RUNBOOK }, { queue: 'sms', minutes: 30 });
  const { start, advance } = daemon;
  const opened = async () => (await daemon.server.daemon.store.db.selectFrom('incidents').select(['opened_at', 'title']).execute()).map((i) => [i.opened_at - start, i.title]);

  it('an unchanged rule keeps its pending for: across a reload; a broken file is refused and the running rules go on', async () => {
    const { server } = daemon;
    await advance(3 * MINUTE);
    writeFileSync(join(server.dir, 'rules/queue.yml'), RULES.replace('jobs"', 'jobs waiting"'));
    expect(await server.daemon.reload()).toBe(true);
    await advance(2 * MINUTE);
    expect(await opened()).toEqual([[5 * MINUTE, 'sms holds 500 jobs waiting']]);
    writeFileSync(join(server.dir, 'rules/queue.yml'), RULES.replace('queue_depth > 100', 'queue_depth >'));
    expect(await server.daemon.reload()).toBe(false);
    await advance(MINUTE);
    expect(await opened()).toEqual([[5 * MINUTE, 'sms holds 500 jobs waiting']]);
  }, scaled(120_000));
});
