/**
 * Each channel has a connection pool of its own: channels whose receivers sit on one host and port
 * (a chat webhook and a pager gateway behind one proxy) no longer share keep-alive sockets, so the
 * ones that hang do not keep a healthy one on the same host waiting for a socket. On both stores.
 */
import { expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { describeOnStores } from '../../test/support/store-targets.js';
import { scaled, until } from '../../test/support/timing.js';
import { getOutbox } from '../store/repos/outbox.js';
import type { ChannelConfig } from '../config/schema/channels.js';
import { enqueueNotification, signalOutbox } from './enqueue.js';
import { channel, startReceiver, testSecret, type Receiver } from './test-support.js';
import { OutboxWorker } from './worker.js';
import type { Notification } from './types.js';

const incident = { id: 'inc_pools', title: 'API down', severity: 'P1', status: 'triggered', url: 'http://ops.test/incidents/inc_pools' };
const note = (channelId: string, key: string): Notification => ({ channelId, event: 'incident.triggered', incident, dedupKey: key });

await describeOnStores('opsbook-channel-connections', 'a connection pool per channel', { migrate: true }, (target) => {
  /**
   * One receiver for every channel: paths under /hung take the request and never answer, /held answer
   * once `held` settles, the others at once. It keeps idle connections open for 10 minutes.
   */
  async function setup(channels: (base: string) => ChannelConfig[], held?: Promise<void>) {
    const receiver = await startReceiver(
      (r) => (r.path.startsWith('/hung') ? { status: 200, delayMs: 600_000 } : r.path.startsWith('/held') && held ? { status: 200, after: held } : { status: 200 }),
      { keepAliveMs: 600_000 },
    );
    const base = new URL(receiver.url).origin;
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const worker = new OutboxWorker({ store: target.store, clock, pollIntervalMs: 200, channels: channels(base) });
    worker.start();
    let ended = false;
    const done = async (): Promise<void> => {
      if (ended) return;
      ended = true;
      // The hung sends are aborted at the stop's deadline, on the simulated clock.
      const stopped = worker.stop(clock.now() + 1);
      await clock.advance(1);
      await stopped;
      await receiver.close();
      await target.store.db.deleteFrom('deliveries').execute();
      await target.store.db.deleteFrom('outbox').execute();
    };
    return { receiver, base, clock, worker, done };
  }

  const onPath = (r: Receiver, prefix: string): number => r.requests.filter((q) => q.path.startsWith(prefix)).length;

  it('sends a healthy channel’s page while hung channels on the same host and port hold all their slots', async () => {
    // Three channels whose receivers hang, each waiting 5 minutes (real time) before it gives up on
    // a request, and one that answers: all four on one host:port.
    const { receiver, clock, done } = await setup((base) => [
      channel({ id: 'chat', kind: 'slack', webhook_url: `${base}/hung/chat`, timeout: '5m' }),
      channel({ id: 'pager', kind: 'pagerduty', events_url: `${base}/hung/pager`, routing_key: 'rk', timeout: '5m' }),
      channel({ id: 'hooks', kind: 'webhook', url: `${base}/hung/hooks`, secrets: [testSecret(1)], timeout: '5m' }),
      channel({ id: 'ops', kind: 'webhook', url: `${base}/ok`, secrets: [testSecret(2)] }),
    ]);
    try {
      // A storm on the hung channels: each fills its 32 send slots, 96 requests open on one host:port.
      for (const c of ['chat', 'pager', 'hooks']) for (let i = 0; i < 32; i++) await enqueueNotification(target.store, clock, note(c, `${c}${i}`));
      signalOutbox();
      // At least 64 are open (as many as a shared pool of 64 sockets per host:port lets through).
      await receiver.waitFor(64, scaled(60_000));
      const { id } = await enqueueNotification(target.store, clock, note('ops', 'ops-page'));
      signalOutbox();
      await until('the healthy channel’s page reaches its receiver', () => onPath(receiver, '/ok') === 1, scaled(30_000));
      await until('the page is recorded delivered', async () => (await getOutbox(target.store.db, id))?.status === 'delivered', scaled(30_000));
      expect(receiver.requests.find((q) => q.path === '/ok')!.headers['webhook-id']).toBe(id);
      // Every hung channel got its 32 requests open, no more.
      await until('every hung channel holds its 32 slots', () => receiver.requests.length === 97, scaled(30_000));
      for (const c of ['chat', 'pager', 'hooks']) expect(onPath(receiver, `/hung/${c}`)).toBe(32);
    } finally {
      await done();
    }
  });

  const delivered = (id: string) => async (): Promise<boolean> => (await getOutbox(target.store.db, id))?.status === 'delivered';

  it('closes the pool of a channel a reload changes or removes, and keeps that of a channel it leaves as it was', async () => {
    const pager = (base: string, config?: string) =>
      channel({ id: 'pager', kind: 'webhook', url: `${base}/ok`, secrets: [testSecret(3)], ...(config ? { headers: { 'x-config': config } } : {}) });
    const { receiver, base, clock, worker, done } = await setup((b) => [pager(b)]);
    const page = async (key: string): Promise<void> => {
      const { id } = await enqueueNotification(target.store, clock, note('pager', key));
      signalOutbox();
      await until(`page ${key} is recorded delivered`, delivered(id), scaled(30_000));
    };
    try {
      await page('first');
      expect(receiver.connections()).toEqual({ open: 1, accepted: 1 });
      expect(worker.connections.size).toBe(1);
      // The same config read again: the pool and its keep-alive connection stay.
      worker.setChannels([pager(base)]);
      await page('same-config');
      expect(receiver.connections()).toEqual({ open: 1, accepted: 1 });
      // Changed twenty times: each change closes the old pool's connection and opens one new pool, never more.
      for (let i = 1; i <= 20; i++) {
        worker.setChannels([pager(base, String(i))]);
        expect(worker.connections.size).toBe(0);
        await page(`change-${i}`);
        expect(worker.connections.size).toBe(1);
        await until(`only the new pool's connection is open (change ${i})`, () => receiver.connections().open === 1, scaled(30_000));
        expect(receiver.connections().accepted).toBe(1 + i);
      }
      expect(receiver.requests.at(-1)!.headers['x-config']).toBe('20');
      // Removed: no pool is left, and its connection is closed.
      worker.setChannels([]);
      expect(worker.connections.size).toBe(0);
      await until('the removed channel’s connection is closed', () => receiver.connections().open === 0, scaled(30_000));
      // A stopped worker closes every pool, those of channels still configured too.
      worker.setChannels([pager(base)]);
      await page('before-stop');
      expect(worker.connections.size).toBe(1);
      await done();
      expect(worker.connections.size).toBe(0);
    } finally {
      await done();
    }
  });

  it('lets a send in flight finish on its channel’s old pool when a reload changes the channel, then closes that pool', async () => {
    const slow = (base: string, config: string) => channel({ id: 'pager', kind: 'webhook', url: `${base}/held`, secrets: [testSecret(4)], timeout: '5m', headers: { 'x-config': config } });
    let answer!: () => void;
    const held = new Promise<void>((resolve) => (answer = resolve));
    const { receiver, base, clock, worker, done } = await setup((b) => [slow(b, 'old')], held);
    try {
      const { id } = await enqueueNotification(target.store, clock, note('pager', 'in-flight'));
      signalOutbox();
      await receiver.waitFor(1, scaled(30_000));
      worker.setChannels([slow(base, 'new')]);
      // The old pool waits for its send: it is the only one, and its connection is still open.
      expect(worker.connections.size).toBe(1);
      expect(receiver.connections().open).toBe(1);
      answer();
      await until('the page sent before the reload is recorded delivered', delivered(id), scaled(30_000));
      expect(await getOutbox(target.store.db, id)).toMatchObject({ status: 'delivered', attempts: 1 });
      await until('the old pool is closed with its connection', () => worker.connections.size === 0 && receiver.connections().open === 0, scaled(30_000));
    } finally {
      await done();
    }
  });
});
