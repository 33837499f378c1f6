/**
 * A runbook HTTP step (`curl -L`) follows a redirect with its credentials only within the origin it
 * was sent to, as curl does: the step's Authorization, Cookie and headers named like a credential
 * (X-Auth-Token), and the headers services[].http
 * gives the host, never reach a server on another origin (another port here), over plain HTTP and
 * through a private CA (services[].http.ca_file); a redirect within the origin keeps them.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, type TestCertificate } from '../checks/testing/index.js';
import { harness, responder, type Harness } from './test-support.js';

const STEP_AUTH = 'Bearer step-token-1234';
const STEP_COOKIE = 'session=step-cookie-5678';
const HOST_KEY = 'host-key-9012';
const STEP_TOKEN = 'step-auth-token-3456';

const step = (id: string, path: string): string =>
  [`## ${id}: Follow`, '', '**Diagnosis:**', '```bash', `curl -s -L -H 'Authorization: ${STEP_AUTH}' -H 'Cookie: ${STEP_COOKIE}' -H 'X-Auth-Token: ${STEP_TOKEN}' http://api.internal${path}`, '```', ''].join('\n');
const RUNBOOK = { file: 'r.md', text: ['# Redirects', '', step('RB-1', '/away'), step('RB-2', '/here'), step('RB-3', '/here-absolute'), step('RB-4', '/down')].join('\n') };

interface Origin {
  server: http.Server;
  origin: string;
}
interface Received {
  name: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

function listen(make: (l: http.RequestListener) => http.Server, scheme: string, listener: http.RequestListener): Promise<Origin> {
  const server = make(listener);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

for (const scheme of ['http', 'https'] as const) {
  describe(`runbook HTTP steps following redirects (${scheme})`, () => {
    let cert: TestCertificate | undefined;
    let first: Origin;
    let second: Origin;
    let plain: Origin;
    let h: Harness;
    const received: Received[] = [];
    const record =
      (name: string): http.RequestListener =>
      (req, res) => {
        received.push({ name, path: req.url ?? '', headers: req.headers });
        if (req.url === '/away') res.writeHead(302, { location: `${second.origin}/landed` }).end();
        else if (req.url === '/here') res.writeHead(302, { location: '/landed' }).end();
        else if (req.url === '/here-absolute') res.writeHead(301, { location: `${first.origin}/landed` }).end();
        else if (req.url === '/down') res.writeHead(302, { location: `${plain.origin}/landed` }).end();
        else res.end('{"ok":true}');
      };

    beforeAll(async () => {
      let make = (l: http.RequestListener): http.Server => http.createServer(l);
      if (scheme === 'https') {
        const c = (cert = makeCertificate(10));
        make = (l) => https.createServer({ key: fs.readFileSync(c.key), cert: fs.readFileSync(c.cert) }, l);
      }
      first = await listen(make, scheme, record('first'));
      second = await listen(make, scheme, record('second'));
      plain = await listen((l) => http.createServer(l), 'http', record('plain'));
      h = await harness({
        config: {
          services: [
            {
              id: 'api',
              base_url: first.origin,
              aliases: ['api.internal'],
              http: { ...(cert ? { ca_file: cert.cert } : {}), hosts: [{ host: 'api.internal', headers: { 'X-Api-Key': HOST_KEY } }] },
            },
          ],
        },
        runbooks: [RUNBOOK],
      });
    });
    afterAll(async () => {
      await h?.cleanup();
      for (const o of [first, second, plain]) if (o) await new Promise((r) => o.server.close(r));
      cert?.cleanup();
    });

    const run = async (procedure: string): Promise<Received> => {
      const { id } = await h.service.start(procedure, responder);
      const result = await h.service.runStep(id, 1, responder);
      await h.service.finish(id, responder);
      expect(result.status, result.entries[0]?.stderr).toBe('ok');
      return received.at(-1)!;
    };

    it('leaves the credentials behind when the redirect goes to another origin', async () => {
      const landed = await run('r.md#RB-1');
      expect(received.at(-2)!.headers).toMatchObject({ authorization: STEP_AUTH, cookie: STEP_COOKIE, 'x-api-key': HOST_KEY, 'x-auth-token': STEP_TOKEN });
      expect(landed).toMatchObject({ name: 'second', path: '/landed' });
      expect(landed.headers).not.toHaveProperty('authorization');
      expect(landed.headers).not.toHaveProperty('cookie');
      expect(landed.headers).not.toHaveProperty('x-api-key');
      expect(landed.headers).not.toHaveProperty('x-auth-token');
    });

    it('leaves them behind on a redirect to plain http', async () => {
      const landed = await run('r.md#RB-4');
      expect(landed).toMatchObject({ name: 'plain', path: '/landed' });
      for (const name of ['authorization', 'cookie', 'x-api-key', 'x-auth-token']) expect(landed.headers).not.toHaveProperty(name);
    });

    it('keeps them on a redirect within the same origin', async () => {
      for (const procedure of ['r.md#RB-2', 'r.md#RB-3']) {
        const landed = await run(procedure);
        expect(landed).toMatchObject({ name: 'first', path: '/landed' });
        expect(landed.headers).toMatchObject({ authorization: STEP_AUTH, cookie: STEP_COOKIE, 'x-api-key': HOST_KEY, 'x-auth-token': STEP_TOKEN });
      }
    });
  });
}
