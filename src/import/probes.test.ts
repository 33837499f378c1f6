import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose } from './index.js';

const root = path.resolve(import.meta.dirname, '../..');
const checksOf = async (file: string): Promise<Record<string, Record<string, unknown>>> => {
  const proposal = propose([{ text: await readFile(path.join(root, file), 'utf8'), ref: path.basename(file) }]);
  return Object.fromEntries(proposal.items.filter((i) => i.section === 'checks').map((i) => [i.id, i.body]));
};

describe('import: Kubernetes probe timings on the health checks', () => {
  it('seed 000: livenessProbe 5 s / 10 s / 3 and readinessProbe 10 s / 5 s / 3 on the checks of their paths', async () => {
    const checks = await checksOf('examples/nxentra/runbooks/nxentra.md');
    expect(checks['nxentra-health-live']).toMatchObject({ initial_delay: '5s', interval: '10s', failure_threshold: 3 });
    expect(checks['nxentra-health-ready']).toMatchObject({ initial_delay: '10s', interval: '5s', failure_threshold: 3 });
    expect(checks['nxentra-health-full']!.interval).toBeUndefined();
  });

  it('a runbook of another shape: probes nested in a Deployment, flow-style httpGet, a probe path no curl reads', async () => {
    const checks = await checksOf('test/fixtures/import/orders-deployment.md');
    expect(checks['orders-api-healthz']).toMatchObject({ kind: 'http', interval: '20s', timeout: '2s' });
    expect(checks['orders-api-healthz']!.initial_delay).toBeUndefined();
    expect(checks['orders-api-startup']).toMatchObject({ kind: 'http', url: '${TODO_ORDERS_API_BASE_URL}/startup', interval: '10s', failure_threshold: 30 });
  });
});
