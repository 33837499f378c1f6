/** The send thread's failure: a thread that died answers every send at once, none left waiting. */
import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../store/repos/outbox.js';
import { scaled } from '../../test/support/timing.js';
import { SendThread } from './send-thread.js';

describe('SendThread', () => {
  it('answers sends made after its thread died with a retryable failure instead of leaving them waiting', async () => {
    // A thread that cannot start: its channel list is missing, so it throws at once and exits.
    const thread = new SendThread({ channels: null as unknown as [], concurrency: 1 });
    const exited = new Promise<void>((resolve) => (thread as unknown as { worker: { once(e: string, f: () => void): void } }).worker.once('exit', () => resolve()));
    await exited;
    const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), scaled(20_000)).unref());
    const sent = await Promise.race([thread.send({ id: 'msg_1', channel_id: 'hook' } as OutboxRow, Date.now()), hung]);
    expect(sent).not.toBe('hung');
    expect(sent).toMatchObject({ outcome: { ok: false, retryable: true } });
    expect((sent as { outcome: { error: string } }).outcome.error).toMatch(/send thread/);
    await thread.close();
  });
});
