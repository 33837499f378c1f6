/**
 * HTTP steps to a service behind a private CA that wants credentials the runbook's curl leaves out
 * (`curl http://search:9200/_cluster/health` against a secured OpenSearch): services[].http gives the
 * CA to trust and the host's headers, shown masked.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, type TestCertificate } from '../checks/testing/index.js';
import { loadConfig } from '../config/index.js';
import { configDir } from '../config/test-support.js';
import { harness, responder, type Harness } from './test-support.js';

const AUTH = `Basic ${Buffer.from('monitor:s3cret').toString('base64')}`;
const RUNBOOK = { file: 'search.md', text: '# Search\n\n## RB-7: OpenSearch outage\n\n**Diagnosis:**\n```bash\ncurl http://search:9200/_cluster/health\n```\n' };

describe('HTTP steps through a private CA with per-host credentials', () => {
  let cert: TestCertificate;
  let server: https.Server;
  let base: string;
  const seen: (string | undefined)[] = [];
  const made: Harness[] = [];
  const make = async (http?: object): Promise<Harness> => {
    const h = await harness({ config: { services: [{ id: 'apex', base_url: base, aliases: ['search:9200'], ...(http ? { http } : {}) }] }, runbooks: [RUNBOOK] });
    made.push(h);
    return h;
  };

  beforeAll(async () => {
    cert = makeCertificate(10);
    const { readFileSync } = await import('node:fs');
    server = https.createServer({ key: readFileSync(cert.key), cert: readFileSync(cert.cert) }, (req, res) => {
      seen.push(req.headers.authorization);
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== AUTH) {
        res.statusCode = 401;
        return res.end('{"error":"missing authentication credentials"}');
      }
      res.end(JSON.stringify({ cluster_name: 'apex-search', status: 'red', unassigned_shards: 2 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const h of made) await h.cleanup();
    await new Promise((r) => server.close(r));
    cert.cleanup();
  });

  it('trusts the configured CA, adds the host’s credentials masked, and records the cluster status', async () => {
    const h = await make({ ca_file: cert.cert, hosts: [{ host: 'search:9200', headers: { Authorization: AUTH } }] });
    const plan = await h.service.plan('search.md#RB-7');
    const command = plan.steps[0]!.commands[0]!;
    expect(command).toMatchObject({ runnable: true, executor: 'http', effect: 'read' });
    expect(command.display).toContain("-H 'Authorization: ********'");
    expect(command.display).not.toContain('s3cret');
    expect(command.display).not.toContain(AUTH.slice(6));
    const { id } = await h.service.start('search.md#RB-7', responder);
    const result = await h.service.runStep(id, 1, responder);
    expect(result.status).toBe('ok');
    expect(result.entries[0]!.stdout).toContain('"status":"red"');
    expect(seen.at(-1)).toBe(AUTH);
  });

  it('fails on the private CA without ca_file, and is refused 401 without the host’s credentials', async () => {
    const untrusted = await make();
    const { id } = await untrusted.service.start('search.md#RB-7', responder);
    const noCa = await untrusted.service.runStep(id, 1, responder);
    expect(noCa.status).toBe('failed');
    expect(noCa.entries[0]!.stderr).toMatch(/self[- ]signed certificate|unable to verify/);

    const anonymous = await make({ ca_file: cert.cert });
    const run = await anonymous.service.start('search.md#RB-7', responder);
    const refused = await anonymous.service.runStep(run.id, 1, responder);
    expect(refused.status).toBe('failed');
    expect(refused.entries[0]!.stderr).toContain('HTTP 401');
    expect(seen.at(-1)).toBeUndefined();
  });

  it('reports a CA file that cannot be read, naming the setting', async () => {
    const h = await make({ ca_file: '/nonexistent/opsbook-ca.pem' });
    const { id } = await h.service.start('search.md#RB-7', responder);
    const result = await h.service.runStep(id, 1, responder);
    expect(result.status).toBe('failed');
    expect(result.entries[0]!.stderr).toContain('services[apex].http.ca_file /nonexistent/opsbook-ca.pem');
  });
});

describe('services[].http.hosts validation', () => {
  it('refuses a host the service’s URLs cannot name, at its file line and path', async () => {
    const { dir, cleanup } = await configDir({
      'ops.yaml': 'services:\n  - id: apex\n    base_url: https://127.0.0.1:9443\n    aliases: ["search:9200"]\n    http:\n      hosts:\n        - host: "search:9200"\n        - host: serach:9200\n',
    });
    try {
      const loaded = await loadConfig(dir);
      expect(loaded.ok).toBe(false);
      const issues = loaded.ok ? [] : loaded.issues;
      expect(issues.map((i) => [i.path, i.line])).toEqual([['services[0].http.hosts[1].host', 8]]);
      expect(issues[0]!.message).toContain('is neither base_url');
    } finally {
      await cleanup();
    }
  });
});
