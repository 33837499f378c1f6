import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small config for the runner's own tests: one HTTP check paging through a two-step policy, a
 * queue check with a value rule, and a second user to acknowledge.
 */
export const FIXTURE_CONFIG = `
users:
  - { name: ann, email: ann@example.invalid, role: responder }
  - { name: lead, email: lead@example.invalid, role: admin }
services:
  - { id: api }
checks:
  - { id: api-health, kind: http, service: api, url: http://127.0.0.1:9/health, interval: 1m, failure_threshold: 1 }
  - id: api-queue
    kind: json
    service: api
    url: http://127.0.0.1:9/status
    path: .queue
    interval: 1m
    failure_threshold: 1
    warning: ["[VALUE] > 5000"]
    critical: ["[VALUE] > 10000"]
rules:
  - { id: api-down, check: api-health, for: 2m, annotations: { summary: API is down } }
  - { id: queue-backlog, check: api-queue, condition: value > 800, for: 3m, severity: P2, annotations: { summary: "Queue at {{ value }}" } }
channels:
  - { id: mail, kind: email, smtp: { host: 127.0.0.1, port: 9 }, from: ops@example.invalid }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ user: ann }], timeout: 10m }
      - { targets: [{ user: lead }], timeout: 30m }
`;

/** A temp dir holding `ops.yaml` (the fixture unless given) and the named test files. */
export async function fixtureDir(files: Record<string, string>, config = FIXTURE_CONFIG): Promise<{ dir: string; path: (name: string) => string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'opsbook-config-tests-'));
  await writeFile(join(dir, 'ops.yaml'), config);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, path: (name) => join(dir, name), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
