/**
 * A check's credentials follow a redirect only to the origin they were configured for, as curl and
 * fetch do: two loopback servers on different ports are two origins; the first answers 302 to the
 * second, which records what it received. Authorization, Cookie, Proxy-Authorization and the
 * Basic auth a URL's userinfo stands for never reach it; a redirect within the first origin keeps them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHttpAgents, httpRequest, type HttpRequestOptions } from './http-request.js';

const CREDENTIALS = { authorization: 'Bearer first-host-token', cookie: 'session=first-host-cookie', 'proxy-authorization': 'Basic cHJveHk6cHc=' };
/** Headers whose name says they carry a key, a token, a secret or a password: credentials too. */
const NAMED_CREDENTIALS = { 'x-api-key': 'first-host-api-key', 'x-auth-token': 'first-host-auth-token', 'private-token': 'first-host-private', 'x-vault-token': 'first-host-vault', 'x-client-secret': 'first-host-secret', 'x-db-password': 'first-host-password' };
const USERINFO_BASIC = `Basic ${Buffer.from('ops:p@ss').toString('base64')}`;

function listen(handler: http.RequestListener): Promise<{ server: http.Server; origin: string }> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('HTTP checks following redirects', () => {
  let first: { server: http.Server; origin: string };
  let second: { server: http.Server; origin: string };
  const received: { host: string; path: string; headers: http.IncomingHttpHeaders }[] = [];
  const record = (host: string): http.RequestListener => (req, res) => {
    received.push({ host, path: req.url ?? '', headers: req.headers });
    if (req.url === '/away') res.writeHead(302, { location: `${second.origin}/landed` }).end();
    else if (req.url === '/here') res.writeHead(302, { location: '/landed' }).end();
    else if (req.url === '/here-absolute') res.writeHead(302, { location: `${first.origin}/landed` }).end();
    else res.end('ok');
  };

  beforeAll(async () => {
    first = await listen(record('first'));
    second = await listen(record('second'));
  });
  afterAll(async () => {
    closeHttpAgents();
    await new Promise((r) => first.server.close(r));
    await new Promise((r) => second.server.close(r));
  });

  const request = (path: string, connection: 'new' | 'reuse', userinfo = false): HttpRequestOptions => ({
    url: `${userinfo ? first.origin.replace('http://', 'http://ops:p%40ss@') : first.origin}${path}`,
    method: 'GET',
    headers: userinfo ? {} : { ...CREDENTIALS, ...NAMED_CREDENTIALS, 'x-trace': 'kept' },
    followRedirects: true,
    maxRedirects: 5,
    maxBodyBytes: 1000,
    connection,
  });
  const landed = (): http.IncomingHttpHeaders => received.at(-1)!.headers;

  for (const connection of ['new', 'reuse'] as const) {
    it(`drops the credential headers when the redirect goes to another origin (connection: ${connection})`, async () => {
      const r = await httpRequest(request('/away', connection), AbortSignal.timeout(30_000));
      expect(r).toMatchObject({ status: 200, redirects: 1, finalUrl: `${second.origin}/landed` });
      expect(received.at(-1)!.host).toBe('second');
      expect(landed()).not.toHaveProperty('authorization');
      expect(landed()).not.toHaveProperty('cookie');
      expect(landed()).not.toHaveProperty('proxy-authorization');
      expect(Object.keys(landed()).filter((k) => k in NAMED_CREDENTIALS)).toEqual([]);
      expect(landed()['x-trace']).toBe('kept');
    });

    it(`drops the URL's userinfo when the redirect goes to another origin (connection: ${connection})`, async () => {
      const r = await httpRequest(request('/away', connection, true), AbortSignal.timeout(30_000));
      expect(r.status).toBe(200);
      expect(received.at(-2)!.headers.authorization).toBe(USERINFO_BASIC);
      expect(received.at(-1)!.host).toBe('second');
      expect(landed()).not.toHaveProperty('authorization');
    });

    it(`keeps them on a redirect within the same origin (connection: ${connection})`, async () => {
      for (const path of ['/here', '/here-absolute']) {
        await httpRequest(request(path, connection), AbortSignal.timeout(30_000));
        expect(received.at(-1)).toMatchObject({ host: 'first', path: '/landed' });
        expect(landed()).toMatchObject({ ...CREDENTIALS, ...NAMED_CREDENTIALS });
        await httpRequest(request(path, connection, true), AbortSignal.timeout(30_000));
        expect(received.at(-1)).toMatchObject({ host: 'first', path: '/landed' });
        expect(landed().authorization).toBe(USERINFO_BASIC);
      }
    });
  }
});
