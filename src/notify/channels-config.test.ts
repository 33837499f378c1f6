import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { configDir } from '../config/test-support.js';
import { testSecret } from './test-support.js';

async function load(yaml: string, env: Record<string, string> = {}) {
  const { dir, cleanup } = await configDir({ 'ops.yaml': yaml });
  try {
    return await loadConfig(join(dir, 'ops.yaml'), { env });
  } finally {
    await cleanup();
  }
}

describe('channels: config', () => {
  it('fills defaults and reads secrets from the environment', async () => {
    const r = await load(
      [
        'channels:',
        '  - { id: hook, kind: webhook, url: "https://hooks.example.com/x", secrets: ["${HOOK_SECRET}"] }',
        '  - { id: mail, kind: email, smtp: { host: smtp.example.com, password: "${SMTP_PASSWORD}" }, from: ops@example.com }',
      ].join('\n'),
      { HOOK_SECRET: testSecret(3), SMTP_PASSWORD: 'pw' },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [hook, mail] = r.config.channels;
    expect(hook).toMatchObject({ kind: 'webhook', secrets: [testSecret(3)], timeout: 10_000, headers: {}, retry: { max_age: 86_400_000, initial: 1000, max_interval: 600_000 } });
    expect(mail).toMatchObject({ kind: 'email', smtp: { host: 'smtp.example.com', port: 587, secure: false, password: 'pw' }, to: [] });
  });

  it('names the line and path of a bad secret, an unknown kind and a missing url, without echoing the secret', async () => {
    const r = await load(
      [
        'channels:',
        '  - id: hook',
        '    kind: webhook',
        '    url: https://hooks.example.com/x',
        '    secrets: ["not-a-real-secret"]',
        '  - { id: pager, kind: pagerduty }',
        '  - { id: slack, kind: slack }',
      ].join('\n'),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i]));
    expect(byPath['channels[0].secrets[0]']).toMatchObject({ line: 5, message: expect.stringContaining('whsec_') });
    expect(JSON.stringify(r.issues)).not.toContain('not-a-real-secret');
    expect(Object.keys(byPath).some((p) => p.startsWith('channels[1]'))).toBe(true);
    expect(byPath['channels[2].webhook_url']).toBeDefined();
  });
});
