/**
 * A rule-file evaluation whose alert state cannot be stored (a store error: a locked or full
 * database, a lost connection) must neither stop rule evaluation nor lose the alert events it found:
 * the alert that started firing while its state could not be written still opens its incident, and
 * the groups go on being evaluated once the store answers again. The store error is real: a SQLite
 * trigger refuses every row written to `rule_alerts` for three minutes, then is dropped.
 */
import { describe, expect, it } from 'vitest';
import { queueBacklogRules, ruleFilesDaemon } from '../support/rule-files-daemon.js';
import { refuseWrites } from '../support/store-faults.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;

const RULES = queueBacklogRules('1m');

const OPS = `rule_files:
  files: [rules/*.yml]
  evaluation_interval: 15s
`;

describe('rule_files when the store refuses their alert state', () => {
  const daemon = ruleFilesDaemon('rule-files-store-error', { 'ops.yaml': OPS, 'rules/queue.yml': RULES }, { queue: 'emails', minutes: 30 });
  const { start, advance } = daemon;
  const incidents = () => daemon.server.daemon.store.db.selectFrom('incidents').select(['title', 'state', 'opened_at']).execute();

  it('opens the incident of an alert that began firing while its state could not be stored, and goes on evaluating', async () => {
    const db = daemon.server.daemon.store.db;
    const heal = await refuseWrites(db, 'sqlite', 'rule_alerts');
    // Pending at the first evaluation, firing a minute later: both while no alert state can be stored.
    await advance(3 * MINUTE);
    await heal();
    await advance(MINUTE);
    const opened = await incidents();
    expect(opened.map((i) => [i.title, i.state])).toEqual([['emails holds 500 jobs', 'triggered']]);
    // The alert fired during the fault, not once it ended.
    expect(opened[0]!.opened_at).toBeLessThan(start + 3 * MINUTE);
    // Evaluation went on: the group's alert state is stored again.
    const stored = await db.selectFrom('rule_alerts').select(['rule', 'state']).execute();
    expect(stored).toEqual([{ rule: 'QueueBacklog', state: 'firing' }]);
  }, scaled(120_000));
});
