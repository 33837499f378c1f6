import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfig } from '../../testing/index.js';
import { httpRequest, type HttpRequestOptions } from './http-request.js';
import { http1Request, MAX_HEAD_BYTES } from './http1.js';

/** What the server answers per request path: raw byte pieces, each written on its own turn of the loop. */
const answers: Record<string, Array<string | Buffer> | 'hang' | 'close'> = {
  '/length': ['HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nX-A: a\r\nx-a: b\r\nContent-Length: 15\r\n\r\n{"status":"ok"}'],
  '/split': ['HTTP/1.1 200 OK\r\nContent-', 'Length: 11\r', '\n\r\nhello', ' world'],
  '/chunked': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n', '6\r\n world\r', '\n0\r\nX-Trailer: t\r\n\r\n'],
  '/to-close': ['HTTP/1.0 200 OK\r\n\r\nuntil ', 'the end'],
  '/big': [`HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n`, Buffer.alloc(50_000, 'a'), Buffer.alloc(50_000, 'b')],
  '/head': ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'],
  '/no-content': ['HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n'],
  '/interim': ['HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  '/moved': ['HTTP/1.1 301 Moved\r\nLocation: /length\r\nContent-Length: 0\r\n\r\n'],
  '/bad-status': ['HTTP/1.1 2x0 OK\r\n\r\n'],
  '/not-http': ['SSH-2.0-OpenSSH_9.6\r\n\r\n'],
  '/bad-header': ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'],
  '/bad-length': ['HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n'],
  '/two-lengths': ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc'],
  '/both-framings': ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'],
  '/bad-chunk': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'],
  '/chunk-no-crlf': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n'],
  '/short': ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'],
  '/half-head': ['HTTP/1.1 200 OK\r\nContent-Le'],
  '/huge-head': [`HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(MAX_HEAD_BYTES + 10)}\r\n\r\n`],
  '/switching': ['HTTP/1.1 101 Switching Protocols\r\n\r\n'],
  '/hang': 'hang',
  '/close': 'close',
};

describe('http1: fresh plain-HTTP exchanges written over a socket', () => {
  let server: net.Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = net.createServer((socket) => {
      let got = '';
      socket.on('error', () => {});
      socket.on('data', (c) => {
        got += c.toString('latin1');
        const end = got.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(got)?.[1] ?? 0);
        if (got.length < end + 4 + length) return;
        seen.push(got);
        const path = got.split(' ')[1]!;
        const answer = answers[path] ?? ['HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'];
        if (answer === 'hang') return;
        if (answer === 'close') return void socket.end();
        const pieces = [...answer];
        const next = (): void => {
          const piece = pieces.shift();
          if (piece === undefined) return void socket.end();
          socket.write(piece, () => setTimeout(next, 2));
        };
        next();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const request = (path: string, more: Partial<HttpRequestOptions> = {}, signal = new AbortController().signal) =>
    httpRequest({ url: `${base}${path}`, method: 'GET', headers: {}, followRedirects: true, maxRedirects: 5, maxBodyBytes: 1_000_000, connection: 'new', ...more }, signal);

  it('sends the request as node:http would: Host, the check headers, Basic auth, Connection: close, the body', async () => {
    const url = new URL(`${base}/length`);
    expect(http1Request(url, 'GET', {}, undefined, undefined)).toBeDefined();
    await request('/length', { method: 'POST', headers: { 'user-agent': 'opsbook-check', 'x-probe': 'yes', 'content-length': '4' }, body: 'ping', url: `http://u%20s:p%3Aw@127.0.0.1:${url.port}/length` });
    const sent = seen.at(-1)!;
    expect(sent).toBe(`POST /length HTTP/1.1\r\nHost: 127.0.0.1:${url.port}\r\nuser-agent: opsbook-check\r\nx-probe: yes\r\ncontent-length: 4\r\nAuthorization: Basic ${Buffer.from('u s:p:w').toString('base64')}\r\nConnection: close\r\n\r\nping`);
  });

  it('leaves to node:http what it cannot send exactly (a Host or Connection header of the check, bad characters)', () => {
    const url = new URL(`${base}/x`);
    expect(http1Request(url, 'GET', { Host: 'other' }, undefined, undefined)).toBeUndefined();
    expect(http1Request(url, 'GET', { connection: 'keep-alive' }, undefined, undefined)).toBeUndefined();
    expect(http1Request(url, 'GET', { 'x-a': 'one\r\nx-b: two' }, undefined, undefined)).toBeUndefined();
    expect(http1Request(url, 'GE T', {}, undefined, undefined)).toBeUndefined();
    expect(http1Request(new URL('https://127.0.0.1/'), 'GET', {}, undefined, undefined)).toBeUndefined();
  });

  it('reads status, headers (repeats joined as Node joins them) and a Content-Length body, with its phases', async () => {
    const r = await request('/length');
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"status":"ok"}');
    expect(r.headers).toMatchObject({ 'content-type': 'application/json', 'x-a': 'a, b', 'content-length': '15' });
    expect(r.phases.reused).toBe(false);
    expect(r.phases.dnsMs).toBe(0);
    expect(r.phases.connectMs).toBeGreaterThanOrEqual(0);
    expect(r.phases.ttfbMs).toBeGreaterThan(0);
    expect(r.responseTimeMs).toBeGreaterThanOrEqual(r.phases.ttfbMs);
  });

  it('times the DNS lookup of a host name', async () => {
    const r = await httpRequest({ url: `http://localhost:${new URL(base).port}/length`, method: 'GET', headers: {}, followRedirects: false, maxRedirects: 0, maxBodyBytes: 100, connection: 'new' }, new AbortController().signal);
    expect(r.status).toBe(200);
    expect(r.phases.dnsMs).toBeGreaterThan(0);
  });

  it('reads heads and bodies split anywhere, chunked bodies with extensions and trailers, and bodies that end at close', async () => {
    expect((await request('/split')).body).toBe('hello world');
    expect((await request('/chunked')).body).toBe('hello world');
    expect((await request('/to-close')).body).toBe('until the end');
  });

  it('keeps at most the body cap, and still reads the whole response', async () => {
    const r = await request('/big', { maxBodyBytes: 60_000 });
    expect(r.body).toBe('a'.repeat(50_000) + 'b'.repeat(10_000));
  });

  it('expects no body after HEAD or a 204, skips interim answers, follows redirects', async () => {
    expect((await request('/head', { method: 'HEAD' })).status).toBe(200);
    expect((await request('/no-content')).status).toBe(204);
    expect(await request('/interim')).toMatchObject({ status: 200, body: 'ok' });
    expect(await request('/moved')).toMatchObject({ status: 200, redirects: 1, finalUrl: `${base}/length` });
  });

  it.each([
    ['/bad-status', /malformed response: status line/],
    ['/not-http', /malformed response: status line "SSH-2.0/],
    ['/bad-header', /malformed response: header line "no colon here"/],
    ['/bad-length', /malformed response: Content-Length "12abc"/],
    ['/two-lengths', /malformed response: Content-Length "3"/],
    ['/both-framings', /malformed response: both Content-Length and Transfer-Encoding/],
    ['/bad-chunk', /malformed response: chunk size "zz"/],
    ['/chunk-no-crlf', /malformed response: chunk not followed by CRLF/],
    ['/short', /malformed response: connection closed before the end of the body/],
    ['/half-head', /malformed response: connection closed before the end of the head/],
    ['/huge-head', /malformed response: head larger than 16384 bytes/],
    ['/switching', /malformed response: 101/],
    ['/close', /socket hang up/],
  ])('fails %s as a malformed or missing response', async (path, error) => {
    await expect(request(path)).rejects.toThrow(error);
  });

  it('aborts on its signal, and a check run on it times out as a timeout', async () => {
    const ac = new AbortController();
    const pending = request('/hang', {}, ac.signal);
    setTimeout(() => ac.abort(new Error('stop')), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const r = await runConfig({ kind: 'http', url: `${base}/hang`, timeout: '200ms' });
    expect(r).toMatchObject({ status: 'down', error: 'timeout after 200ms' });
  });

  it('keeps a refused connection and a wrong status down', async () => {
    const refused = await runConfig({ kind: 'http', url: 'http://127.0.0.1:1/' });
    expect(refused.status).toBe('down');
    expect(refused.error).toContain('ECONNREFUSED');
    const missing = await runConfig({ kind: 'http', url: `${base}/nope`, conditions: ['[STATUS] == 200'] });
    expect(missing.status).toBe('down');
    expect(missing.conditions[0]?.actual).toBe('404');
    const malformed = await runConfig({ kind: 'http', url: `${base}/bad-status` });
    expect(malformed).toMatchObject({ status: 'down' });
    expect(malformed.error).toMatch(/^malformed response/);
  });
});
