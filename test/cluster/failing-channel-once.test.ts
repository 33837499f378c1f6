/**
 * A channel failing on two members at once opens one incident about it, not one per member. Each
 * member counts its own deliveries; when a channel dies, every member delivering to it finds it
 * failing at about the same moment. Before, each looked in the store for the channel's open incident
 * and, finding none, opened one: the two looks came before either opening committed, and the on-call
 * person was paged twice about one channel, with two incidents to resolve. And when the channel
 * delivers again on both at once, the incident is resolved once and neither member warns about the
 * other having resolved it first. Two opsbook daemons (in-process, on one simulated clock) on a fresh
 * PostgreSQL database, each told in the same tick how a page to the channel settled — what their
 * outbox workers tell them.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/daemon/index.js';
import type { SettledAttempt } from '../../src/notify/index.js';
import { postgresUp } from '../support/services.js';
import { clusterDaemon, clusterStorage, secondMember } from '../support/cluster-daemon.js';
import { refusedWebhookChannel, webhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();

/** A page to `channelId` that failed for good (a dead letter), as a member's outbox worker settles it. */
function deadLetter(channelId: string, id: string): SettledAttempt {
  return {
    id,
    channelId,
    attempt: 1,
    outcome: { ok: false, retryable: false, status: 410, error: 'HTTP 410' },
    result: { state: 'dead', at: Date.now() },
    moved: false,
    inTransaction: false,
    row: { id, channel_id: channelId } as SettledAttempt['row'],
  };
}

/** The same page delivered. */
function delivered(channelId: string, id: string): SettledAttempt {
  return { ...deadLetter(channelId, id), attempt: 2, outcome: { ok: true, status: 200 }, result: { state: 'delivered', at: Date.now() } };
}

/** A logger at warn level, and the lines it wrote. */
function warnings(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  return { logger: createLogger({ level: 'warn', destination }), lines };
}

describe.skipIf(!pgUp)('a channel failing on two members at once', () => {
  const config = (url: string) =>
    `${clusterStorage(url, 2)}channels:\n${refusedWebhookChannel('bad')}${webhookChannel('good', 'http://127.0.0.1:9/good')}` +
    `escalation_policies:\n  - id: default\n    steps: [{ targets: [{ channel: bad }], timeout: 15m }]\n`;
  const logs = [warnings(), warnings()];
  const cluster = clusterDaemon({ prefix: 'failing-channel-once', config, logger: logs[0]!.logger });
  const second = secondMember(cluster, 'failing-channel-once-b', () => config(cluster.url), logs[1]!.logger);

  it('opens one incident about it, which both members count as theirs, and resolves it once when it delivers again', async () => {
    const watches = [cluster.server.daemon.operations!.pagingWatch, second.server().daemon.operations!.pagingWatch];
    watches.forEach((w, i) => w.onSettled(deadLetter('bad', `ob_${i}`)));
    await Promise.all(watches.map((w) => w.settled()));
    expect(watches.map((w) => w.isFailing('bad'))).toEqual([true, true]);
    const about = await cluster.store.db.selectFrom('incidents').select(['id', 'state']).where('title', '=', 'Notification channel bad is failing').execute();
    expect(about).toHaveLength(1);
    expect(about[0]!.state).toBe('triggered');
    // Why the channel counts as failing is the incident's first note: what the responder reads first.
    const notes = await cluster.store.db.selectFrom('incident_timeline').select('text').where('incident_id', '=', about[0]!.id).where('kind', '=', 'note').execute();
    expect(notes.map((n) => n.text)).toEqual(['a message failed for good (HTTP 410)']);

    watches.forEach((w, i) => w.onSettled(delivered('bad', `ob_${i}`)));
    await Promise.all(watches.map((w) => w.settled()));
    expect(watches.map((w) => w.isFailing('bad'))).toEqual([false, false]);
    const after = await cluster.store.db.selectFrom('incidents').select('state').where('id', '=', about[0]!.id).executeTakeFirstOrThrow();
    expect(after.state).toBe('resolved');
    const resolvedLines = await cluster.store.db.selectFrom('incident_timeline').select('text').where('incident_id', '=', about[0]!.id).where('text', 'like', '%delivers again%').execute();
    expect(resolvedLines).toHaveLength(1);
    expect(logs.flatMap((l) => l.lines).filter((l) => l.includes('paging watch'))).toEqual([]);
  }, scaled(120_000));
});
