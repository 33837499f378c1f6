import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunbook } from '../runbooks/index.js';
import { buildPlan } from './plan.js';
import { opsConfigSchema } from '../config/index.js';
import { rewritePlaceholders } from './shell-syntax.js';
import { runInProcessGroup } from './executors/index.js';
import { harness, responder, type Harness } from './test-support.js';
import { scaled } from '../../test/support/timing.js';

// A program that records exactly what it received: each argument NUL-terminated, and its environment.
const RECORDER = `#!/bin/bash
printf '%s\\0' "$@" > "$RECORD_DIR/args"
printf '%s' "$TOKEN" > "$RECORD_DIR/token"
`;

const RUNBOOK = `# Injection

## RB-1: Record

**Resolution:**
\`\`\`bash
./record.sh <pod-name> /hooks/{webhookId} '<pod-name>' "$TOKEN" x<pod-name>y
\`\`\`
`;

describe('shell steps get parameters as data', () => {
  let h: Harness;
  let work: string;
  beforeAll(async () => {
    h = await harness({ config: { services: [] }, runbooks: [] });
    work = join(h.dir, 'work');
    await mkdir(work);
    await writeFile(join(work, 'record.sh'), RECORDER);
    await chmod(join(work, 'record.sh'), 0o755);
  });
  afterAll(async () => h?.cleanup());

  it('rewrites placeholders to quoted variable references, whatever quotes they stand in', () => {
    expect(rewritePlaceholders(`kubectl logs <pod-name>`, ['<pod-name>'])).toBe('kubectl logs "${OPSBOOK_P_pod_name}"');
    expect(rewritePlaceholders(`echo "a <pod-name> b"`, ['<pod-name>'])).toBe('echo "a ${OPSBOOK_P_pod_name} b"');
    expect(rewritePlaceholders(`echo 'a <pod-name> b'`, ['<pod-name>'])).toBe(`echo 'a '"\${OPSBOOK_P_pod_name}"' b'`);
    expect(rewritePlaceholders(`curl /webhooks/{webhookId}/logs`, ['{webhookId}'])).toBe('curl /webhooks/"${OPSBOOK_P_webhookid}"/logs');
    expect(rewritePlaceholders(`echo \${X} {notMine}`, ['<pod-name>'])).toBe('echo ${X} {notMine}');
  });

  it('passes arbitrary values byte for byte and never runs them (property)', async () => {
    const canary = join(h.dir, 'CANARY');
    const nasty = fc.oneof(
      fc.constantFrom(`; touch ${canary}`, `$(touch ${canary})`, `\`touch ${canary}\``, `'; touch ${canary}; '`, `"; touch ${canary}; "`, `\n touch ${canary}\n`, `$((1+1))`, `\${PATH}`, `*`, `-rf`, `a b  c`, `\\`, `'`, `"`),
      fc.string({ unit: 'binary', minLength: 0, maxLength: 40 }).map((s) => s.replace(/\0/g, '')),
    );
    const config = opsConfigSchema.parse({ services: [{ id: 'svc', shell: { cwd: work, env: { RECORD_DIR: work } } }] });
    const runbook = parseRunbook(RUNBOOK, { file: 'inj.md' });
    await fc.assert(
      fc.asyncProperty(nasty, nasty, nasty, async (pod, webhook, token) => {
        const built = buildPlan({ runbook, procedure: runbook.procedures[0]!, config, baseDir: h.dir, defaultCwd: () => work, params: { 'pod-name': pod, webhookId: webhook, TOKEN: token }, env: {} });
        const cmd = built.plan.steps[0]!.commands[0]!;
        if (pod.startsWith('-') || token.startsWith('-')) {
          // It would stand as an option of record.sh: refused before anything runs.
          expect(cmd).toMatchObject({ runnable: false, why: expect.stringMatching(/begins with "-"/) });
          return;
        }
        expect(cmd.runnable).toBe(true);
        const outcome = await built.prepared.get('1.1')!.run({ timeoutMs: 10_000, signal: new AbortController().signal });
        expect(outcome.status).toBe('ok');
        const args = (await readFile(join(work, 'args'), 'utf8')).split('\0').slice(0, -1);
        expect(args).toEqual([pod, `/hooks/${webhook}`, pod, token, `x${pod}y`]);
        expect(await readFile(join(work, 'token'), 'utf8')).toBe(token);
        // The script text names variables only: no value is ever part of it.
        const script = String(outcome.data?.script);
        expect(script).toBe('./record.sh "${OPSBOOK_P_pod_name}" /hooks/"${OPSBOOK_P_webhookid}" \'\'"${OPSBOOK_P_pod_name}"\'\' "$TOKEN" x"${OPSBOOK_P_pod_name}"y');
        expect(existsSync(canary)).toBe(false);
      }),
      { numRuns: 120 },
    );
  });

  it('masks secret values in what it shows and records', async () => {
    const h2 = await harness({
      config: { services: [{ id: 'svc', shell: { cwd: work, env: { RECORD_DIR: work } } }], procedures: { 'inj.md#rb-1': { params: { TOKEN: { env: 'NOVA_TOKEN', secret: true } } } } },
      runbooks: [{ file: 'inj.md', text: RUNBOOK.replace('./record.sh', 'echo "$TOKEN" && ./record.sh') }],
      env: { NOVA_TOKEN: 's3cr3t-value' },
    });
    try {
      const { id, plan } = await h2.service.start('inj.md#RB-1', responder, { params: { 'pod-name': 'api-1', webhookId: 'w1' } });
      expect(plan.parameters.find((p) => p.name === 'token')).toMatchObject({ shown: '********', secret: true, source: 'config' });
      const result = await h2.service.runStep(id, 1, responder, { yes: true });
      expect(result.status).toBe('ok');
      expect(result.entries[0]!.stdout).toBe('********\n');
      const stored = JSON.stringify(await h2.service.transcript(id)) + JSON.stringify(await h2.service.get(id));
      expect(stored).not.toContain('s3cr3t-value');
      expect(await readFile(join(work, 'token'), 'utf8')).toBe('s3cr3t-value');
    } finally {
      await h2.cleanup();
    }
  });
});

describe('the shell a step runs in', () => {
  it('reads no startup file: not the ~/.bashrc bash sources when its input is a socket, whatever SHLVL says', async () => {
    // Node gives a child's stdin as a socket pair; bash then takes itself for a shell started by sshd
    // and, at SHLVL 0 (opsbook under systemd, cron or a container), sources ~/.bashrc: its aliases,
    // options and output (a version manager's init, a banner) would become part of every step.
    const home = join(process.env.TMPDIR ?? '/tmp', `opsbook-home-${process.pid}`);
    await mkdir(home, { recursive: true });
    try {
      await writeFile(join(home, '.bashrc'), 'echo from-bashrc; echo from-bashrc >&2; alias ls="echo aliased"; shopt -s expand_aliases; set -u\n');
      await writeFile(join(home, '.bash_profile'), 'echo from-profile\n');
      for (const SHLVL of ['0', '1', undefined]) {
        const outcome = await runInProcessGroup({ script: 'echo step; ls -d /; echo "${UNSET_IN_STEP:-unset}"', cwd: home, env: { PATH: process.env.PATH ?? '', HOME: home, ...(SHLVL ? { SHLVL } : {}) }, timeoutMs: scaled(30_000), signal: new AbortController().signal });
        expect({ SHLVL, status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr }).toEqual({ SHLVL, status: 'ok', stdout: 'step\n/\nunset\n', stderr: '' });
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('timeouts and cancels kill the whole process group', () => {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('kills a hanging step and every child it spawned', async () => {
    const dir = join(process.env.TMPDIR ?? '/tmp', `opsbook-pg-${process.pid}`);
    await mkdir(dir, { recursive: true });
    try {
      // Children and a grandchild, one ignoring SIGTERM; the leader waits forever.
      const script = `(trap '' TERM; sleep 300) & echo $! >> pids; sleep 300 & echo $! >> pids; bash -c 'sleep 300 & echo $! >> pids; wait' & echo $! >> pids; wait`;
      const outcome = await runInProcessGroup({ script, cwd: dir, env: { PATH: process.env.PATH ?? '' }, timeoutMs: 400, signal: new AbortController().signal });
      expect(outcome.status).toBe('timeout');
      const pids = (await readFile(join(dir, 'pids'), 'utf8')).trim().split('\n').map(Number);
      expect(pids.length).toBe(4);
      // Bounded wait for the kernel to reap them (SIGKILL has already been sent).
      for (const end = Date.now() + scaled(5_000); pids.some(alive) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cancels on an abort signal', async () => {
    const controller = new AbortController();
    const running = runInProcessGroup({ script: 'sleep 300', cwd: '/', env: { PATH: process.env.PATH ?? '' }, timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect((await running).status).toBe('cancelled');
  });
});
