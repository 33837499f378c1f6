/**
 * An HTTP step reaches its service on whatever port it listens: curl does, and so do opsbook's own
 * checks. Node's fetch refuses the ports browsers block (4190, 6000, 6665–6669, 10080, …), so a
 * step sent through it failed with "fetch failed: bad port" against a service its check probed fine.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, responder, type Harness } from './test-support.js';

// Ports of the Fetch standard's "bad port" list unlikely to be taken on a test machine; the first free one is used.
const BLOCKED_BY_FETCH = [4190, 10080, 6566, 6669, 6668, 3659, 4045, 5061, 6697, 10081];

const RUNBOOK = { file: 'queue.md', text: '# Queue\n\n## RB-1: Queue backlog\n\n**Diagnosis:**\n\n1. Read the depth:\n   ```bash\n   curl -s http://queue.example.com/metrics\n   ```\n' };

async function listenOnBlockedPort(server: http.Server): Promise<number> {
  for (const port of BLOCKED_BY_FETCH) {
    const bound = await new Promise<boolean>((resolve) => {
      const onError = (): void => resolve(false);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        resolve(true);
      });
    });
    if (bound) return port;
  }
  throw new Error(`none of the ports ${BLOCKED_BY_FETCH.join(', ')} is free`);
}

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
    port = await listenOnBlockedPort(server);
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
