/**
 * The public status page shows components, their state, published incidents with the words people
 * wrote for the public, and 90-day bars — and nothing internal. The config, a runbook, the check results and
 * an incident are seeded with marker strings; none of them may appear on /status.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertResults } from '../../src/store/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { incidentReader } from '../../src/http/ui/data/incidents.js';
import { startUi, type UiHarness } from './support.js';
import { StatusPage } from '../../src/statuspage/index.js';

const SECRETS = {
  label: 'LABEL-team-zebra-7731',
  host: 'db-primary-42.internal.example',
  baseUrl: 'https://api-internal-9913.example.net',
  alias: 'alias-host-5521.example.org',
  description: 'DESCRIPTION-runs-on-rack-17',
  checkName: 'CHECKNAME-orders-probe-x',
  checkError: 'ERROR-connect-ECONNREFUSED-10.9.8.7',
  runbookText: 'RUNBOOK-restart-the-flux-capacitor',
  title: 'TITLE-payments-db-replica-lag',
  note: 'NOTE-password-is-hunter2',
  incidentLabel: 'INCLABEL-cluster-omega',
};

let h: UiHarness;
let body: string;

beforeAll(async () => {
  const clock = new SimulatedClock('2026-03-10T12:00:00Z');
  const yaml = `
services:
  - id: payments
    name: Payments
    description: ${SECRETS.description}
    base_url: ${SECRETS.baseUrl}
    aliases: [${SECRETS.alias}]
    labels: { team: ${SECRETS.label} }
  - id: search
    name: Search
checks:
  - kind: tcp
    id: payments-db
    name: ${SECRETS.checkName}
    service: payments
    host: ${SECRETS.host}
    port: 5432
    labels: { owner: ${SECRETS.label} }
  - kind: tcp
    id: search-port
    service: search
    host: 127.0.0.1
    port: 9200
runbooks: [runbooks/*.md]
`;
  h = await startUi({ yaml, clock });
  fs.mkdirSync(path.join(h.dir, 'runbooks'));
  fs.writeFileSync(path.join(h.dir, 'runbooks', 'payments.md'), `# Payments\n\n## RB-001: Replica lag\n\n**Resolution:**\n\n1. ${SECRETS.runbookText}\n\n\`\`\`bash\npsql -h ${SECRETS.host} -c 'select 1'\n\`\`\`\n`);
  const now = clock.now();
  const results = [];
  // Three days of history: payments fails a tenth of its runs; search is always up.
  for (let t = now - 3 * 86_400_000; t < now; t += 600_000) {
    results.push({ checkId: 'payments-db', at: t, down: Math.round(t / 600_000) % 10 === 0, level: 0 as const, latencyMs: 12, error: SECRETS.checkError });
    results.push({ checkId: 'search-port', at: t, down: false, level: 0 as const, latencyMs: 3 });
  }
  results.push({ checkId: 'payments-db', at: now - 1000, down: true, level: 0 as const, latencyMs: 5000, error: SECRETS.checkError });
  await insertResults(h.daemon.store.db, results, now);
  const reader = incidentReader(h.daemon);
  const admin = { name: 'admin-user', role: 'admin' as const, via: 'cli' as const };
  const created = await reader.create({ title: SECRETS.title, severity: 'P1', service: 'payments', labels: { cluster: SECRETS.incidentLabel }, runbook: 'runbooks/payments.md#RB-001', description: SECRETS.note }, admin);
  await clock.advance(5 * 60_000);
  await reader.acknowledge(created.incident.id, admin, SECRETS.note);
  await reader.addNote(created.incident.id, admin, SECRETS.note);
  await new StatusPage(h.daemon).publish(created.incident.id, { title: 'Payments are failing', body: 'Some payments fail; we are on it.' }, admin);
  const res = await h.app.inject({ url: '/status' });
  expect(res.statusCode).toBe(200);
  body = res.body;
});
afterAll(async () => {
  await h.close();
});

describe('public status page', () => {
  it('needs no sign-in and shows each service as a component with its state and 90 daily uptime bars', () => {
    expect(body).toContain('Payments');
    expect(body).toContain('Search');
    expect(body).toMatch(/Payments<\/strong> <span class="state state-down">Major outage/);
    expect(body).toMatch(/Search<\/strong> <span class="state state-up">Operational/);
    expect(body.match(/<rect /g)?.length).toBe(2 * 90);
    expect(body).toMatch(/aria-label="Search: 90-day uptime 100\.00%"/);
  });

  it('lists the published incident with the title and update a person wrote for the public', () => {
    expect(body).toContain('Active incidents');
    expect(body).toContain('<h3>Payments are failing</h3>');
    expect(body).toContain('Some payments fail; we are on it.');
  });

  it('leaks nothing internal: labels, hosts, URLs, check names and errors, runbook text, incident titles and notes', () => {
    for (const [what, secret] of Object.entries(SECRETS)) expect(body, what).not.toContain(secret);
    expect(body).not.toContain('payments-db'); // check ids
    expect(body).not.toContain('RB-001');
    expect(body).not.toContain('admin-user');
    expect(body).not.toMatch(/csrf/i);
  });
});
