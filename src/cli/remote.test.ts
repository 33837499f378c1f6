/**
 * `--server` reaches a daemon on whatever port it listens. Through Node's fetch a daemon on a port
 * browsers block (4190, 6000, 10080, …) was "cannot reach …: fetch failed" while curl reached it.
 */
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OpsbookError } from '../lib/errors/index.js';
import { listenOnPortFetchRefuses } from '../../test/support/net.js';
import { callApi } from './remote.js';

let server: http.Server;
let port = 0;
const seen: Array<{ method?: string; url?: string; auth?: string; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/too-many') {
        // The daemon's request validation names the place in its message and in `path`.
        res.statusCode = 400;
        res.end(JSON.stringify({ error: { code: 'OPSBOOK_E_REQUEST_INVALID', message: 'Too big: expected number to be <=500 → query.limit', path: 'query.limit' } }));
      } else if (req.url === '/api/missing') {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { code: 'OPSBOOK_E_NOT_FOUND', message: 'no incident 9', path: 'id' } }));
      } else res.end(JSON.stringify({ ok: true }));
    });
  });
  port = await listenOnPortFetchRefuses(server);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

it('talks to a daemon on a port fetch refuses', async () => {
  const remote = { url: `http://127.0.0.1:${port}`, token: 't0k' };
  expect(await callApi(remote, 'POST', '/api/thing', { a: 1 })).toEqual({ ok: true });
  expect(seen.at(-1)).toEqual({ method: 'POST', url: '/api/thing', auth: 'Bearer t0k', body: '{"a":1}' });
  const refused = await callApi(remote, 'GET', '/api/missing').catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(OpsbookError);
  expect(refused).toMatchObject({ code: 'OPSBOOK_E_NOT_FOUND', message: `http://127.0.0.1:${port} answered 404: no incident 9` });
});

it('names the place of a refused request once', async () => {
  const remote = { url: `http://127.0.0.1:${port}`, token: 't0k' };
  const refused = (await callApi(remote, 'GET', '/api/too-many').catch((e: unknown) => e)) as OpsbookError;
  expect(refused.describe()).toBe(`http://127.0.0.1:${port} answered 400: Too big: expected number to be <=500 → query.limit`);
});
