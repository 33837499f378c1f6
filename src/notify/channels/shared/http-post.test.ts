/**
 * POSTs sorted into outcomes against a real loopback receiver: delivered, retried with Retry-After,
 * permanent, timed out, stopped, refused; and a burst over the keep-alive agent delivered whole.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SystemClock } from '../../../lib/clock.js';
import { postAndClassify } from './http-post.js';

let server: http.Server;
let base: string;
const seen: string[] = [];
/** Each request's target and Authorization header, as the receiver read them. */
const targets: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(body);
      targets.push(`${req.url} ${req.headers.authorization ?? '-'}`);
      const path = req.url?.split('?')[0];
      if (path === '/ok') res.writeHead(200).end('thanks');
      else if (req.url === '/busy') res.writeHead(503, { 'retry-after': '7' }).end('later');
      else if (req.url === '/gone') res.writeHead(404).end('no such hook');
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 5_000).unref();
      else res.writeHead(500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const send = (url: string, o: { timeoutMs?: number; signal?: AbortSignal; body?: string } = {}) =>
  postAndClassify({ url, body: o.body ?? '{"a":1}', headers: { 'content-type': 'application/json' }, timeoutMs: o.timeoutMs ?? 5_000 }, { signal: o.signal ?? new AbortController().signal, clock: new SystemClock() });

it('sorts answers, deadlines, stops and refusals into outcomes', async () => {
  expect(await send(`${base}/ok`, { body: 'the-body' })).toEqual({ ok: true, status: 200, detail: 'thanks' });
  expect(seen).toContain('the-body');
  expect(await send(`${base}/busy`)).toEqual({ ok: false, retryable: true, status: 503, error: 'HTTP 503: later', retryAfterMs: 7000 });
  expect(await send(`${base}/gone`)).toMatchObject({ ok: false, retryable: false, status: 404 });
  expect(await send(`${base}/slow`, { timeoutMs: 100 })).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/timed out/) });
  const stop = new AbortController();
  const stopped = send(`${base}/slow`, { signal: stop.signal });
  setTimeout(() => stop.abort(), 50);
  expect(await stopped).toMatchObject({ ok: false, retryable: true, error: 'stopped before the receiver answered' });
  expect(await send('http://127.0.0.1:1/hook')).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/network error: ECONNREFUSED/) });
});

it('a burst is delivered whole', async () => {
  const bodies = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
  const outcomes = await Promise.all(bodies.map((body) => send(`${base}/ok`, { body })));
  expect(outcomes.every((o) => o.ok)).toBe(true);
  for (const b of bodies) expect(seen).toContain(b);
});


it('posts to the URL\'s path, query and credentials, the same URL alike each time; a malformed URL is a failed send', async () => {
  targets.length = 0;
  const withAll = `${base.replace('http://', 'http://hook:s%3Acret@')}/ok?token=a%20b&x=1#frag`;
  for (let i = 0; i < 2; i++) expect(await send(withAll)).toMatchObject({ ok: true, status: 200 });
  expect(await send(`${base}/ok`)).toMatchObject({ ok: true });
  const auth = `Basic ${Buffer.from('hook:s:cret').toString('base64')}`;
  expect(targets).toEqual([`/ok?token=a%20b&x=1 ${auth}`, `/ok?token=a%20b&x=1 ${auth}`, '/ok -']);
  expect(await send('not a url')).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/^network error: .*Invalid URL/) });
});
