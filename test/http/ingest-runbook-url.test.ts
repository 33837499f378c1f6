/**
 * Alert rules in the wild link their runbook by URL (`annotations.runbook_url`). An Alertmanager
 * webhook whose alert carries the published URL of a runbook opsbook holds locally opens an
 * incident with that procedure attached; a URL that names nothing local is still shown.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentReader } from '../../src/http/ui/data/incidents.js';
import { findProcedure } from '../../src/runbooks/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const KEY = randomBytes(16).toString('hex');
const CRASHLOOP = `# KubePodCrashLooping

## Meaning

A container restarts again and again.

## Impact

The service runs short of replicas.

## Diagnosis

\`\`\`bash
kubectl -n shop describe pod <pod-name>
\`\`\`

## Mitigation

\`\`\`bash
kubectl -n shop rollout undo deploy/web
\`\`\`
`;

function payload(alertname: string, annotations: Record<string, string>) {
  return {
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    status: 'firing',
    receiver: 'opsbook',
    groupLabels: { alertname },
    commonLabels: { alertname, severity: 'critical' },
    commonAnnotations: annotations,
    externalURL: 'http://alertmanager.local',
    alerts: [{ status: 'firing', labels: { alertname, severity: 'critical', namespace: 'shop' }, annotations: { summary: `${alertname} in shop`, ...annotations }, startsAt: '2026-12-03T08:00:00Z' }],
  };
}

describe('ingest links runbook_url to the local runbook', () => {
  let server: DaemonApp;

  beforeAll(async () => {
    server = await startDaemonApp('runbook-url', {
      'ops.yaml': [
        'integrations:',
        '  - id: prom',
        '    kind: alertmanager',
        `    key: ${KEY}`,
        'runbooks:',
        '  files: [runbooks/*.md]',
        '  url_prefixes: [https://runbooks.example.org/runbooks/]',
        '',
      ].join('\n'),
      'runbooks/KubePodCrashLooping.md': CRASHLOOP,
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  const send = async (alertname: string, annotations: Record<string, string>) => {
    const res = await server.app.inject({ method: 'POST', url: '/api/ingest/alertmanager', headers: { authorization: `Bearer ${KEY}` }, payload: payload(alertname, annotations) });
    expect(res.statusCode, res.body).toBe(200);
    const [id] = (res.json() as { incidents: string[] }).incidents;
    return incidentReader(server.daemon).get(id!);
  };

  it('attaches the local KubePodCrashLooping.md procedure for its published URL', async () => {
    const incident = await send('KubePodCrashLooping', { runbook_url: 'https://runbooks.example.org/runbooks/kubernetes/kubepodcrashlooping/' });
    expect(incident.runbook).toBe('runbooks/KubePodCrashLooping.md#kubepodcrashlooping');
    // The reference the incident holds is one the daemon can run.
    const match = findProcedure(server.daemon.executions!.deps.runbooks, incident.runbook!);
    expect(match?.procedure.phases.map((p) => p.kind)).toEqual(['symptoms', 'impact', 'diagnosis', 'resolution']);
  });

  it('keeps an unresolved URL as the incident’s runbook link, so the responder still sees it', async () => {
    const incident = await send('KubeletDown', { runbook_url: 'https://runbooks.example.org/runbooks/kubernetes/kubeletdown/' });
    expect(incident.runbook).toBe('https://runbooks.example.org/runbooks/kubernetes/kubeletdown/');
  });

  it('reads a playbook annotation too', async () => {
    const incident = await send('PodCrashLoopingAgain', { playbook: 'https://runbooks.example.org/runbooks/KubePodCrashLooping.html' });
    expect(incident.runbook).toBe('runbooks/KubePodCrashLooping.md#kubepodcrashlooping');
  });
});
