import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/index.js';
import { configDir } from '../../src/config/test-support.js';
import { loadOpsConfig } from '../../src/daemon/config.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function problems(statusPage: string): Promise<string[]> {
  const { dir, cleanup } = await configDir({
    'ops.yaml': `services: [{ id: web }]
channels:
  - { kind: slack, id: hook, webhook_url: "https://hooks.example.org/x" }
  - { kind: email, id: mail, smtp: { host: 127.0.0.1 }, from: "s@example.org" }
status_page:
${statusPage}`,
  });
  cleanups.push(cleanup);
  const loaded = await loadOpsConfig(join(dir, 'ops.yaml'), { env: {} });
  return loaded.ok ? [] : loaded.issues.map((i) => formatIssue(i).replace(dir, ''));
}

describe('status_page references', () => {
  it('accepts public services that exist and an email channel for subscribers', async () => {
    expect(await problems('  services: [{ service: web, name: Web shop }]\n  subscribers: { channel: mail }\n')).toEqual([]);
  });

  it('names an unknown or repeated service, and a channel that is missing or does not send email, with file:line', async () => {
    const out = await problems('  services: [{ service: web }, { service: nope }, { service: web }]\n  subscribers: { channel: hook }\n');
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/service "nope" is not defined in services → status_page\.services\[1\]\.service \(.*ops\.yaml:\d+\)/);
    expect(out[1]).toMatch(/service "web" is listed twice → status_page\.services\[2\]\.service/);
    expect(out[2]).toMatch(/channel "hook" is a slack channel; subscribers are written to by email → status_page\.subscribers\.channel/);
    expect(await problems('  subscribers: { channel: ghost }\n')).toEqual([expect.stringMatching(/channel "ghost" is not defined in channels/)]);
  });
});
