/**
 * `GET /api/openapi.json` is built once per public URL, not per request: the same document is
 * answered again, and a reload that changes `server.public_url` is followed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const config = (url: string) => `server: { public_url: "${url}" }\nservices:\n  - { id: web }\n`;

let server: DaemonApp;
beforeAll(async () => {
  server = await startDaemonApp('openapi-reload', { 'ops.yaml': config('https://ops.example.org') });
});
afterAll(async () => {
  await server?.close();
});

const described = async () => {
  const res = await server.app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(res.statusCode).toBe(200);
  return res.json() as { servers: Array<{ url: string }>; paths: Record<string, unknown> };
};

it('answers the same document again, and follows a reload that changes the public URL', async () => {
  const first = await described();
  expect(first.servers).toEqual([{ url: 'https://ops.example.org' }]);
  expect(await described()).toEqual(first);
  fs.writeFileSync(path.join(server.dir, 'ops.yaml'), config('https://oncall.example.net'));
  expect(await server.daemon.reload()).toBe(true);
  const after = await described();
  expect(after.servers).toEqual([{ url: 'https://oncall.example.net' }]);
  expect(Object.keys(after.paths)).toEqual(Object.keys(first.paths));
});
