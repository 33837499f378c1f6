/**
 * A procedure run by `cron` that does not pass (a morning check whose diagnosis fails) opens an
 * incident about it, at the ladder's rung for incidents about opsbook's own work: the third of the
 * default ladder, the last of a shorter configured one. One daemon on SQLite, on a simulated clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { listExecutions } from '../../src/executions/index.js';
import { listIncidents } from '../../src/store/repos/incidents.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const RUNBOOK = `# Ops

## RB-7: Morning checks

**Diagnosis:**
\`\`\`bash
cat healthy.flag
\`\`\`
`;
const config = (severities: string) => `services:
  - id: web
    shell: { cwd: "." }
runbooks: [runbooks/ops.md]
procedures:
  "runbooks/ops.md#rb-7": { service: web, cron: "0 7 * * *", time_zone: UTC }
${severities}`;

describe('a scheduled procedure that does not pass', () => {
  let server: DaemonApp | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  }, scaled(60_000));

  const failedMorning = async (name: string, severities: string) => {
    const clock = new SimulatedClock('2026-03-02T06:00:00Z');
    server = await startDaemonApp(name, { 'ops.yaml': config(severities), 'runbooks/ops.md': RUNBOOK }, { clock });
    await clock.advanceTo(Date.parse('2026-03-02T07:00:00Z'));
    await expect.poll(async () => (await listExecutions(server!.daemon.store)).map((e) => e.state), { timeout: scaled(30_000), interval: 50 }).toEqual(['failed']);
    await expect.poll(async () => (await listIncidents(server!.daemon.store.db)).length, { timeout: scaled(30_000), interval: 50 }).toBe(1);
    return (await listIncidents(server.daemon.store.db))[0]!;
  };

  it('opens an incident at the third rung of the default ladder', async () => {
    const incident = await failedMorning('procedure-failed-default', '');
    expect(incident.title).toBe('Scheduled procedure runbooks/ops.md#RB-7 did not pass');
    expect(incident.severity).toBe('P3');
    expect(fs.existsSync(path.join(server!.dir, 'healthy.flag'))).toBe(false);
  }, scaled(120_000));

  it('opens it at the last rung of a configured ladder shorter than three', async () => {
    const incident = await failedMorning('procedure-failed-short', 'severities:\n  - { id: SEV1, name: Down, description: Outage, response: 15m }\n  - { id: SEV2, name: Degraded, description: Slow, response: 1h }\n');
    expect(incident.severity).toBe('SEV2');
  }, scaled(120_000));
});
