/** `slos:` in ops.yaml: defaults, objectives, windows, and located reference errors. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, registerConfigValidators } from '../config/index.js';
import { slosReferencesValidator } from './config-validator.js';

registerConfigValidators(slosReferencesValidator);
import { configDir } from '../config/test-support.js';
import { slosFromConfig } from './index.js';

async function load(yaml: string) {
  const { dir, cleanup } = await configDir({ 'ops.yaml': yaml });
  try {
    return await loadConfig(join(dir, 'ops.yaml'));
  } finally {
    await cleanup();
  }
}

const CHECKS = `checks:
  - { id: api, kind: tcp, host: 127.0.0.1, port: 1 }
  - { id: backups, kind: file, path: /backups/*.gz }
`;

describe('slos config', () => {
  it('fills the workbook burn-rate defaults and reads objectives, percentiles and windows', async () => {
    const r = await load(`${CHECKS}slos:
  - { id: api-up, kind: availability, checks: [api], objective: 99.9% }
  - { id: api-fast, kind: latency, checks: [api], threshold: 300ms, percentile: p99, window: month, time_zone: Europe/Berlin }
  - { id: db-rpo, kind: recovery_point, check: backups, target: 15m }
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { slos, recoveryPoints } = slosFromConfig(r.config);
    expect(slos[0]).toMatchObject({ objective: 0.999, window: { kind: 'rolling', ms: 30 * 86_400_000 }, severity: { page: 'P2', ticket: 'P4' } });
    expect(slos[0]!.alerts.map((a) => [a.urgency, a.longMs / 60_000, a.shortMs / 60_000, a.burnRate])).toEqual([
      ['page', 60, 5, 14.4],
      ['page', 360, 30, 6],
      ['ticket', 1440, 120, 3],
      ['ticket', 4320, 360, 1],
    ]);
    expect(slos[1]).toMatchObject({ kind: 'latency', objective: 0.99, thresholdMs: 300, window: { kind: 'calendar', unit: 'month', timeZone: 'Europe/Berlin' } });
    expect(recoveryPoints).toEqual([{ id: 'db-rpo', name: 'db-rpo', check: 'backups', targetMs: 15 * 60_000 }]);
  });

  it("takes an objective's service from its checks when they all watch one service, and keeps a written one", async () => {
    const r = await load(`services:
  - { id: web }
  - { id: db }
checks:
  - { id: web-a, kind: tcp, service: web, host: 127.0.0.1, port: 1 }
  - { id: web-b, kind: tcp, service: web, host: 127.0.0.1, port: 2 }
  - { id: db-a, kind: tcp, service: db, host: 127.0.0.1, port: 3 }
  - { id: loose, kind: tcp, host: 127.0.0.1, port: 4 }
  - { id: backups, kind: file, service: db, path: /backups/*.gz }
slos:
  - { id: web-up, kind: availability, checks: [web-a, web-b], objective: 99.9% }
  - { id: mixed, kind: availability, checks: [web-a, db-a], objective: 99.9% }
  - { id: part, kind: availability, checks: [web-a, loose], objective: 99.9% }
  - { id: named, kind: availability, service: db, checks: [web-a], objective: 99.9% }
  - { id: db-rpo, kind: recovery_point, check: backups, target: 15m }
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { slos, recoveryPoints } = slosFromConfig(r.config);
    expect(slos.map((s) => [s.id, s.service ?? null])).toEqual([
      ['web-up', 'web'],
      ['mixed', null],
      ['part', null],
      ['named', 'db'],
    ]);
    expect(recoveryPoints[0]!.service).toBe('db');
  });

  it('names the field of a bad objective, an unknown check, a wrong check kind and an unknown severity', async () => {
    const r = await load(`${CHECKS}slos:
  - { id: a, kind: availability, checks: [api], objective: 120% }
  - { id: b, kind: availability, checks: [api, nope], objective: 99% }
  - { id: c, kind: recovery_point, check: api, target: 1h }
  - { id: d, kind: availability, checks: [api], objective: 99%, severity: { page: SEV9 } }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const found = r.issues.map((i) => `${i.path}: ${i.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^slos\[0\]\.objective: .*percentage between 0 and 100/),
      ]),
    );
    // The schema error stops the load before cross-references; fix it and they show.
    const r2 = await load(`${CHECKS}slos:
  - { id: b, kind: availability, checks: [api, nope], objective: 99% }
  - { id: c, kind: recovery_point, check: api, target: 1h }
  - { id: d, kind: availability, checks: [api], objective: 99%, severity: { page: SEV9 } }
`);
    expect(r2.ok).toBe(false);
    if (r2.ok) return;
    expect(r2.issues.map((i) => [i.path, i.message, i.line])).toEqual([
      ['slos[0].checks[1]', 'check "nope" is not defined in checks', 5],
      ['slos[1].check', 'check "api" is a tcp check; this needs a file or heartbeat check', 6],
      ['slos[2].severity.page', 'severity "SEV9" is not on the severities ladder', 7],
    ]);
  });
});
