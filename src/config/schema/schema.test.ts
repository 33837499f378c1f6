import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ISSUE_CODE_PARAM, duration, id } from './common.js';
import { opsConfigSchema } from './index.js';
import { resolveStorage } from '../storage.js';

function codes(result: z.ZodSafeParseResult<unknown>): Array<[string, string]> {
  return (result.error?.issues ?? []).map((i) => [i.path.join('.'), String((i as { params?: Record<string, unknown> }).params?.[ISSUE_CODE_PARAM] ?? i.code)]);
}

describe('duration()', () => {
  const d = duration({ min: '1s', max: '30d' });

  it('outputs milliseconds for the forms people write', () => {
    expect(d.parse('10s')).toBe(10_000);
    expect(d.parse('5m')).toBe(300_000);
    expect(d.parse('1h30m')).toBe(5_400_000);
    expect(d.parse('720h')).toBe(2_592_000_000);
    expect(d.parse('30d')).toBe(2_592_000_000);
  });

  it('rejects malformed and out-of-range values with the duration code', () => {
    for (const bad of ['5x', '10', 10, '500ms', '31d', '']) {
      const r = d.safeParse(bad);
      expect(r.success, String(bad)).toBe(false);
      expect(codes(r)[0]?.[1]).toBe('OPSBOOK_E_CONFIG_DURATION');
    }
    expect(d.safeParse('500ms').error?.issues[0]?.message).toBe('must be at least 1s (got 500ms)');
  });
});

describe('id()', () => {
  it('accepts lowercase slugs and rejects the rest', () => {
    for (const ok of ['api', 'api-db', 'payments.primary', '0-day', 'a_b']) expect(id().safeParse(ok).success, ok).toBe(true);
    for (const bad of ['API', '-api', 'a b', '', 'ü']) expect(id().safeParse(bad).success, bad).toBe(false);
  });
});

describe('storage', () => {
  it('rejects URLs other than postgres with the store URL code', () => {
    expect(codes(opsConfigSchema.safeParse({ storage: { url: 'mysql://db/app' } }))).toEqual([['storage.url', 'OPSBOOK_E_STORE_URL']]);
    expect(opsConfigSchema.safeParse({ storage: { url: 'postgresql://127.0.0.1/test' } }).success).toBe(true);
  });

  it('resolves absent, relative, absolute and postgres URLs against the config directory', () => {
    const parse = (storage: unknown) => opsConfigSchema.parse({ storage }).storage;
    expect(resolveStorage(parse({}), '/etc/ops')).toEqual({ kind: 'sqlite', path: '/etc/ops/.opsbook/opsbook.db', dataDir: '/etc/ops/.opsbook' });
    expect(resolveStorage(parse({ url: 'state/ops.db' }), '/etc/ops')).toMatchObject({ kind: 'sqlite', path: '/etc/ops/state/ops.db' });
    expect(resolveStorage(parse({ url: '/var/lib/ops.db', data_dir: '/var/lib/opsbook' }), '/etc/ops')).toEqual({
      kind: 'sqlite',
      path: '/var/lib/ops.db',
      dataDir: '/var/lib/opsbook',
    });
    expect(resolveStorage(parse({ url: 'postgres://127.0.0.1/test' }), '/etc/ops')).toMatchObject({ kind: 'postgres', url: 'postgres://127.0.0.1/test' });
  });
});

describe('services and users', () => {
  it('checks URLs and time zones', () => {
    const r = opsConfigSchema.safeParse({
      services: [{ id: 'api', postgres: { url: 'mysql://x' }, redis: { url: 'redis://127.0.0.1:6379' } }],
      users: [{ name: 'ana', time_zone: 'Europe/Nowhere' }, { name: 'bo', time_zone: 'Europe/Paris' }],
    });
    expect(codes(r)).toEqual([
      ['users.0.time_zone', 'OPSBOOK_E_CONFIG_INVALID'],
      ['services.0.postgres.url', 'invalid_format'],
    ]);
  });

  it('rejects unknown keys at every level', () => {
    const r = opsConfigSchema.safeParse({ extra: 1, services: [{ id: 'api', shell: { allow: [], sudo: true } }] });
    expect((r.error?.issues ?? []).filter((i) => i.code === 'unrecognized_keys').map((i) => i.path.join('.'))).toEqual(['services.0.shell', '']);
  });
});
