/** The stand-in's SCRAM server offers a user the same salt in every conversation, as a real server's stored credential does. */
import { Binary } from 'bson';
import { expect, it } from 'vitest';
import { scramServer } from './scram.js';

const start = (user: string) => ({ saslStart: 1, mechanism: 'SCRAM-SHA-256', payload: new Binary(Buffer.from(`n,,n=${user},r=clientnonce`)) });
const saltOf = (reply: Record<string, unknown>): string => /,s=([^,]+),/.exec(Buffer.from((reply.payload as Binary).buffer).toString('utf8'))![1]!;

it('offers a user the same salt in every conversation (the driver then derives its key once), another user another', () => {
  const users = { opsbook: 'secret', monitor: 'other' };
  const first = saltOf(scramServer(users).step(start('opsbook')));
  expect(saltOf(scramServer(users).step(start('opsbook')))).toBe(first);
  expect(saltOf(scramServer(users).step(start('monitor')))).not.toBe(first);
});
