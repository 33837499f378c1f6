/**
 * An HTTP step reaches its service on whatever port it listens: curl does, and so do opsbook's own
 * checks. Node's fetch refuses the ports browsers block (4190, 6000, 6665–6669, 10080, …), so a
 * step sent through it failed with "fetch failed: bad port" against a service its check probed fine.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnPortFetchRefuses } from '../../test/support/net.js';
import { harness, responder, type Harness } from './test-support.js';

const RUNBOOK = { file: 'queue.md', text: '# Queue\n\n## RB-1: Queue backlog\n\n**Diagnosis:**\n\n1. Read the depth:\n   ```bash\n   curl -s http://queue.example.com/metrics\n   ```\n' };

describe('HTTP steps to a port fetch refuses', () => {
  let server: http.Server;
  let port: number;
  let h: Harness;
  const seen: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'text/plain');
      res.end('queue_depth 1500\n');
    });
    port = await listenOnPortFetchRefuses(server);
    h = await harness({ config: { services: [{ id: 'queue', base_url: `http://127.0.0.1:${port}`, aliases: ['queue.example.com'] }] }, runbooks: [RUNBOOK] });
  });
  afterAll(async () => {
    await h?.cleanup();
    await new Promise((r) => server.close(r));
  });

  it('reads the service as curl would, and records its answer', async () => {
    const { id } = await h.service.start('queue.md#RB-1', responder);
    const result = await h.service.runStep(id, 1, responder);
    expect(result.entries[0]!.stderr).toBe('');
    expect(result.status).toBe('ok');
    expect(result.entries[0]!.stdout).toBe('queue_depth 1500\n');
    expect(seen.at(-1)).toMatchObject({ accept: '*/*', 'user-agent': 'opsbook' });
    expect(seen.at(-1)!['accept-encoding']).toBeUndefined();
  });
});
