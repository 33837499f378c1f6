import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose } from './index.js';

const root = path.resolve(import.meta.dirname, '../..');
const checksOf = async (file: string): Promise<Record<string, Record<string, unknown>>> => {
  const proposal = propose([{ text: await readFile(path.join(root, file), 'utf8'), ref: path.basename(file) }]);
  return Object.fromEntries(proposal.items.filter((i) => i.section === 'checks').map((i) => [i.id, i.body]));
};

describe('import: figures the runbook reads from JSON with jq', () => {
  it('seed 003: a figure read with `curl …/metrics/json | jq` is a json check on that endpoint and key', async () => {
    const checks = await checksOf('examples/library/runbooks/library.md');
    expect(checks['library-average-query-latency']).toMatchObject({ kind: 'json', url: '${TODO_LIBRARY_BASE_URL}/metrics/json', path: '.database.avg_latency_ms' });
    // "Connection pool utilization" is read as `jq '.connection_pool'`, the object around it: the endpoint is known, the key is not.
    expect(checks['library-connection-pool-utilization']).toMatchObject({ kind: 'json', url: '${TODO_LIBRARY_BASE_URL}/metrics/json', path: '${TODO_LIBRARY_CONNECTION_POOL_UTILIZATION_JSON_PATH}' });
    expect(checks['library-connection-pool-utilization']!.warning).toEqual(['[VALUE] < 40% || [VALUE] > 70%']);
  });

  it('a runbook of another shape: jq flags, a key with its unit, the object around a figure, and a figure with no read', async () => {
    const checks = await checksOf('test/fixtures/import/stock-ledger.md');
    expect(checks['stock-ledger-ingest-queue-wait']).toMatchObject({ kind: 'json', path: '.ingest.queue_wait_seconds' });
    expect(checks['stock-ledger-storage-fill']).toMatchObject({ kind: 'json', path: '${TODO_STOCK_LEDGER_STORAGE_FILL_JSON_PATH}' });
    // Nothing reads "Reconciliation drift": every read uses one endpoint, so that is where the runbook reads figures.
    expect(checks['stock-ledger-reconciliation-drift']).toMatchObject({ kind: 'json', path: '${TODO_STOCK_LEDGER_RECONCILIATION_DRIFT_JSON_PATH}' });
    const urls = new Set(Object.values(checks).filter((c) => c.kind === 'json').map((c) => c.url));
    expect(urls.size).toBe(1);
  });

  it('a figure read with a curl that sends credentials: the json check sends them too, as ${NAME} references', async () => {
    const text = (await readFile(path.join(root, 'examples/library/runbooks/library.md'), 'utf8'))
      .replace("curl http://localhost:8000/metrics/json | jq '.database.avg_latency_ms'", "curl -s -u ops:Lat3ncyPw http://localhost:8000/metrics/json | jq '.database.avg_latency_ms'");
    const proposal = propose([{ text, ref: 'library.md' }]);
    const check = proposal.items.find((i) => i.id === 'library-average-query-latency')!;
    expect(check.body).toMatchObject({ kind: 'json', path: '.database.avg_latency_ms', headers: { Authorization: 'Basic ${LIBRARY_OPS_BASIC_AUTH}' } });
    expect(proposal.credentials.find((c) => c.name === 'LIBRARY_OPS_BASIC_AUTH')?.hint).toMatch(/^base64 of ops:PASSWORD/);
    expect(JSON.stringify(proposal)).not.toMatch(new RegExp(`Lat3ncyPw|${Buffer.from('ops:Lat3ncyPw').toString('base64')}`));
  });
});
