import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, runConfig, verdicts, type TestCertificate } from '../../testing/index.js';
import { SystemClock } from '../../../lib/clock.js';
import { checkSchema } from '../../../config/schema/checks.js';
import { compileCheck } from '../../compile.js';
import type { CheckContext } from '../../types.js';
import { closeHttpAgents, preparedRequest } from '../shared/http-request.js';
import { httpKind } from './index.js';
import { jsonKind } from '../json/index.js';

const handler: http.RequestListener = (req, res) => {
  if (req.url === '/health') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'healthy', items: [1, 2, 3], connection_pool: { utilization: 0.83 } }));
  } else if (req.url === '/moved') {
    res.writeHead(302, { location: '/health' }).end();
  } else if (req.url === '/echo') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => res.end(`${req.method} ${req.headers['x-probe']} ${body}`));
  } else if (req.url === '/hang') {
    // never answers
  } else res.writeHead(503).end('down');
};

describe('http kind against a loopback HTTP(S) server', () => {
  let cert: TestCertificate;
  let plain: http.Server;
  let tls: https.Server;
  let base: string;
  let secure: string;

  beforeAll(async () => {
    cert = makeCertificate(10);
    plain = http.createServer(handler);
    tls = https.createServer({ key: fs.readFileSync(cert.key), cert: fs.readFileSync(cert.cert) }, handler);
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    secure = `https://localhost:${(tls.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    closeHttpAgents();
    plain.closeAllConnections();
    tls.closeAllConnections();
    await new Promise((r) => plain.close(r));
    await new Promise((r) => tls.close(r));
    cert.cleanup();
  });

  it('reads status, response time, headers and JSON paths of the body', async () => {
    const r = await runConfig({
      kind: 'http',
      url: `${base}/health`,
      conditions: ['[STATUS] == 200', '[RESPONSE_TIME] < 5000', '[BODY].status == healthy', 'len([BODY].items) == 3', '[HEADERS].content-type == pat(application/json*)'],
      warning: ['[BODY].connection_pool.utilization > 80%'],
      critical: ['[BODY].connection_pool.utilization > 95%'],
    });
    expect(r.status).toBe('up');
    expect(r.level).toBe('warning');
    expect(Object.values(verdicts(r))).toEqual([true, true, true, true, true, true, false]);
    expect(r.conditions.find((c) => c.list === 'warning')?.actual).toBe('83%');
  });

  it('follows redirects unless told not to', async () => {
    const followed = await runConfig({ kind: 'http', url: `${base}/moved`, conditions: ['[STATUS] == 200', '[REDIRECTS] == 1'] });
    expect(followed.status).toBe('up');
    const kept = await runConfig({ kind: 'http', url: `${base}/moved`, follow_redirects: false, conditions: ['[STATUS] == 302'] });
    expect(kept.status).toBe('up');
  });

  it('sends method, headers and body', async () => {
    const r = await runConfig({ kind: 'http', url: `${base}/echo`, method: 'POST', headers: { 'x-probe': 'yes' }, body: 'ping', conditions: ['[BODY] == "POST yes ping"'] });
    expect(r.conditions[0]).toMatchObject({ ok: true, actual: 'POST yes ping' });
  });

  it('fails on a 503 with the default condition and shows the actual status', async () => {
    const r = await runConfig({ kind: 'http', url: `${base}/nope` });
    expect(r).toMatchObject({ status: 'down', level: 'critical' });
    expect(r.conditions[0]).toEqual({ list: 'conditions', text: '[STATUS] < 400', ok: false, actual: '503' });
  });

  it('measures the leaf certificate expiry: 10 days passes 48h and fails 720h', async () => {
    const r = await runConfig({
      kind: 'http',
      url: `${secure}/health`,
      tls: { ca_file: cert.cert },
      conditions: ['[STATUS] == 200', '[CERTIFICATE_EXPIRATION] > 48h'],
      critical: ['[CERTIFICATE_EXPIRATION] < 720h'],
    });
    expect(r.status).toBe('up');
    expect(r.level).toBe('critical');
    expect(r.conditions[1]?.actual).toMatch(/^9d23h|^10d/);
  });

  it('trusts the CA file as it is at each run, in both connection modes: a file replaced (a CA rotated) is read again', async () => {
    const other = makeCertificate(10);
    const caFile = `${other.cert}.ca`;
    try {
      for (const connection of ['new', 'reuse'] as const) {
        const check = { kind: 'http', url: `${secure}/health`, connection, tls: { ca_file: caFile }, conditions: ['[STATUS] == 200'] };
        fs.copyFileSync(other.cert, caFile);
        expect((await runConfig(check)).error).toMatch(/self[- ]signed/i);
        // The server's own certificate in its place: the next run trusts it, and goes on trusting it.
        fs.copyFileSync(cert.cert, caFile);
        expect((await runConfig(check)).status).toBe('up');
        expect((await runConfig(check)).status).toBe('up');
        // Rotated away again: no longer trusted.
        fs.copyFileSync(other.cert, caFile);
        expect((await runConfig(check)).status).toBe('down');
      }
    } finally {
      fs.rmSync(caFile, { force: true });
      other.cleanup();
      closeHttpAgents();
    }
  });

  it('rejects an untrusted certificate unless insecure, and still measures it then', async () => {
    const strict = await runConfig({ kind: 'http', url: `${secure}/health` });
    expect(strict.status).toBe('down');
    expect(strict.error).toMatch(/self[- ]signed/i);
    const loose = await runConfig({ kind: 'http', url: `${secure}/health`, tls: { insecure: true }, conditions: ['[CERTIFICATE_EXPIRATION] > 216h'] });
    expect(loose.status).toBe('up');
  });

  it('times out a server that never answers', async () => {
    const r = await runConfig({ kind: 'http', url: `${base}/hang`, timeout: '200ms' });
    expect(r).toMatchObject({ status: 'down', error: 'timeout after 200ms' });
  });

  it('reports a refused connection as down with the error', async () => {
    const r = await runConfig({ kind: 'http', url: 'http://127.0.0.1:1/' });
    expect(r.status).toBe('down');
    expect(r.error).toContain('ECONNREFUSED');
  });

  it('json kind reads a value by path into [VALUE]', async () => {
    const r = await runConfig({ kind: 'json', url: `${base}/health`, path: '.connection_pool.utilization', warning: '[VALUE] > 80%', critical: '[VALUE] > 95%' });
    expect(r).toMatchObject({ status: 'up', level: 'warning', value: 0.83 });
  });

  it('copies headers and body only when a condition reads them, and builds the request once per check', async () => {
    const ctx = (reads: string[]): CheckContext => ({ signal: new AbortController().signal, clock: new SystemClock(), timeoutMs: 5000, checkId: 'c', state: {}, reads: new Set(reads) });
    const config = checkSchema.parse({ id: 'c', kind: 'http', url: `${base}/health` }) as never;
    const lean = await httpKind.run(config, ctx(['STATUS']));
    expect(lean.values.STATUS).toBe(200);
    expect(lean.values).not.toHaveProperty('BODY');
    expect(lean.values).not.toHaveProperty('HEADERS');
    const full = await httpKind.run(config, ctx(['STATUS', 'BODY', 'HEADERS']));
    expect(JSON.parse(full.values.BODY as string)).toMatchObject({ status: 'healthy' });
    expect((full.values.HEADERS as Record<string, string>)['content-type']).toBe('application/json');
    // A kind that reads the body itself gets it whatever the conditions read.
    const json = await jsonKind.run(checkSchema.parse({ id: 'j', kind: 'json', url: `${base}/health`, path: '.status' }) as never, ctx(['STATUS']));
    expect(json.values.VALUE).toBe('healthy');
    expect(preparedRequest(config)).toBe(preparedRequest(config));
    // The compiled check names what its conditions read.
    const compiled = compileCheck(checkSchema.parse({ id: 'r', kind: 'http', url: `${base}/health`, conditions: ['[STATUS] == 200', '[BODY].status == ok'] }));
    expect([...compiled.reads].sort()).toEqual(['BODY', 'STATUS']);
  });
});
