import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { opsConfigSchema } from './schema/index.js';
import { configDir } from './test-support.js';
import { configSecrets, isCredentialHeader, looksLikeCredential, secretForms } from './secrets.js';

describe('the config’s credentials', () => {
  it('reads environment and header names like a credential, and leaves ordinary ones', () => {
    for (const name of ['PGPASSWORD', 'DB_PASSWD', 'DB_PASS', 'STRIPE_KEY', 'API_KEY', 'APIKEY', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'BASIC_AUTH', 'REDIS_AUTH', 'OAUTH', 'GCP_CREDENTIALS', 'SSH_PASSPHRASE', 'PRIVATE_KEY']) {
      expect(looksLikeCredential(name), name).toBe(true);
    }
    for (const name of ['PGHOST', 'PGUSER', 'PGDATABASE', 'KUBECONFIG', 'AUTHOR', 'PASSENGER_ENV', 'HOME', 'LOG_LEVEL', 'PATH']) {
      expect(looksLikeCredential(name), name).toBe(false);
    }
    for (const name of ['Authorization', 'Proxy-Authorization', 'Cookie', 'X-Api-Key', 'X-Auth-Token', 'PRIVATE-TOKEN']) expect(isCredentialHeader(name), name).toBe(true);
    for (const name of ['Accept', 'Content-Type', 'X-Trace', 'User-Agent', 'Host']) expect(isCredentialHeader(name), name).toBe(false);
  });

  it('gives a value in the forms a step may show it', () => {
    expect(secretForms('p@ss/w rd')).toEqual(['p@ss/w rd', 'p%40ss%2Fw%20rd', 'p@ss\\/w rd']);
    // Inside a JSON string: quotes and backslashes escaped, `/` also as `\/`.
    expect(secretForms('a"b\\c/d')).toEqual(['a"b\\c/d', 'a%22b%5Cc%2Fd', 'a\\"b\\\\c/d', 'a\\"b\\\\c\\/d']);
    // A URL's userinfo leaves some characters that encodeURIComponent encodes.
    expect(secretForms('a=b&c$d')).toEqual(['a=b&c$d', 'a%3Db%26c%24d', 'a%3Db&c$d']);
    expect(secretForms('plain-token-1')).toEqual(['plain-token-1']);
  });

  it('collects shell.env and header credentials, URL passwords, and the fields the schema documents as secrets', () => {
    const config = opsConfigSchema.parse({
      services: [
        {
          id: 'billing',
          base_url: 'https://api.billing.example',
          postgres: { url: 'postgres://app:pg%2Fpass-1@db:5432/billing' },
          redis: { url: 'redis://:redis-pass-2@cache:6379/0' },
          shell: { env: { PGPASSWORD: 'env-pass-3', STRIPE_KEY: 'sk_live_4', PGHOST: 'db-host-name', DATABASE_URL: 'postgres://app:url-pass-5@db/app', N_KEY: 'ab' } },
          http: { hosts: [{ host: 'api.billing.example', headers: { Authorization: `Basic ${Buffer.from('ops:basic-pass-6').toString('base64')}`, Cookie: 'sid=cookie-7; theme=dark-mode', 'X-Trace': 'trace-8' } }] },
        },
      ],
      integrations: [{ id: 'prom', kind: 'alertmanager', key: 'integration-key-000009' }],
    });
    const found = configSecrets(config);
    for (const s of ['pg%2Fpass-1', 'pg/pass-1', 'redis-pass-2', 'env-pass-3', 'sk_live_4', 'url-pass-5', 'ops:basic-pass-6', 'basic-pass-6', 'cookie-7', 'dark-mode', 'integration-key-000009']) {
      expect(found, s).toContain(s);
    }
    for (const s of ['db-host-name', 'trace-8', 'billing', 'app', 'ab']) expect(found, s).not.toContain(s);
    // Longest first, so a secret inside a longer one is masked whole.
    expect([...found].sort((a, b) => b.length - a.length)).toEqual(found);
    expect(configSecrets(config)).toBe(found);
  });

  it('collects the query values named like a credential of any URL, and the Basic credentials of an http URL’s userinfo', () => {
    const config = opsConfigSchema.parse({
      services: [{ id: 'search', base_url: 'http://elastic:es%2Fpass-1@search:9200', shell: { env: { FEED: 'https://feed.example/v1?api_key=feed-key-2&region=eu&access_token=a%2Bb-3', CMD: `curl "https://x.example/?token=quoted-4"` } } }],
    });
    const found = configSecrets(config);
    for (const s of ['es%2Fpass-1', 'es/pass-1', Buffer.from('elastic:es/pass-1').toString('base64'), 'feed-key-2', 'a%2Bb-3', 'a+b-3', 'quoted-4']) expect(found, s).toContain(s);
    for (const s of ['eu', 'elastic', 'search']) expect(found, s).not.toContain(s);
  });

  it('counts the user of an http(s) URL written with a user alone as a token, and the Basic credentials sent for it', () => {
    const config = opsConfigSchema.parse({
      services: [{ id: 'repo', base_url: 'https://ghp-token-5@git.example/', shell: { env: { REPO: 'ssh://git@git.example/app.git' } } }],
    });
    const found = configSecrets(config);
    for (const s of ['ghp-token-5', Buffer.from('ghp-token-5:').toString('base64')]) expect(found, s).toContain(s);
    expect(found).not.toContain('git');
  });

  it('remembers values ${VAR} took from a variable named like a credential, under any key and inside longer text', async () => {
    const env = { T_DATABASE_PASSWORD: 'db-Pass-4410', T_STRIPE_API_KEY: 'sk_live_77a1', CI_JOB_TOKEN: 'ci-tok-9932', T_BUILD_TOKEN: 'bld-5521', T_SHORT_PASSWORD: 'abc', T_DB_HOST: 'db.internal' };
    const { dir, cleanup } = await configDir({
      'ops.yaml': [
        'services:',
        '  - id: billing',
        '    shell:',
        '      env: { DB_CONN: "${T_DATABASE_PASSWORD}", BILLING_OPTS: "mode=live key=${T_STRIPE_API_KEY};", SHORT: "${T_SHORT_PASSWORD}", HOST: "${T_DB_HOST}", DEFAULTED: "${T_UNSET_PASSWORD:-fallback-pass}" }',
        'checks:',
        '  - { id: build, kind: http, url: "https://ci.example/builds?build=${T_BUILD_TOKEN}&x=1", interval: 1m }',
        '  - { id: job, kind: http, url: "https://ci.example/status", headers: { X-Job: "job ${CI_JOB_TOKEN}" }, interval: 1m }',
        '',
      ].join('\n'),
    });
    try {
      const loaded = await loadConfig(join(dir, 'ops.yaml'), { env });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
      const found = configSecrets(loaded.config);
      for (const s of ['db-Pass-4410', 'sk_live_77a1', 'ci-tok-9932', 'bld-5521']) expect(found, s).toContain(s);
      // Shorter than 4 characters, not a credential's variable, or a default written in the config: not masked.
      for (const s of ['abc', 'db.internal', 'fallback-pass', 'billing']) expect(found, s).not.toContain(s);
      // A part of the config (one check) knows the ones it holds.
      expect(configSecrets(loaded.config.checks[1]!)).toEqual(['ci-tok-9932']);
      expect(configSecrets(loaded.config.checks[0]!)).toEqual(['bld-5521']);
    } finally {
      await cleanup();
    }
  });
});
