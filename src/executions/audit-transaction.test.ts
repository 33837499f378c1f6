/**
 * An execution's action and its audit entry commit together or not at all: with the audit insert made
 * to fail (a trigger the test puts on audit_log, raising for one action), the action's own record is
 * not stored either — a start leaves no execution, a command's start, a refusal and a tick leave no
 * transcript entry (a command whose result is refused keeps only its start), a cancel and a finish
 * leave the execution running. On a SQLite file and on PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findExecution, listAudit, listExecutionEntries } from '../store/index.js';
import { allowAudit, refuseAudit as refuse } from '../../test/support/audit-refusal.js';
import { createMigratedTestDatabase } from '../../test/support/migrated-database.js';
import { postgresUp } from '../../test/support/services.js';
import { harness, responder, type Harness } from './test-support.js';

const refuseAudit = (h: Harness, action: string) => refuse(h.store, action);

const RUNBOOK = '# Svc\n\n## RB-1: Look\n\n**Diagnosis:**\n1. Say hello:\n   ```bash\n   echo hello\n   ```\n2. Restart it:\n   ```bash\n   systemctl restart web\n   ```\n3. Check the dashboard by hand.\n';
const viewerActor = { name: 'vic', role: 'viewer' as const, via: 'cli' as const };

const pg = await postgresUp();
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pg)(`execution audit in the action's transaction (${dialect})`, () => {
    let h: Harness;
    let drop: (() => Promise<void>) | undefined;
    const open = async (): Promise<Harness> => {
      const scratch = dialect === 'postgres' ? await createMigratedTestDatabase('opsbook_audit_tx') : undefined;
      drop = scratch?.drop;
      h = await harness({ config: { services: [{ id: 'web', shell: {} }], procedures: { 'svc.md#RB-1': { service: 'web' } } }, runbooks: [{ file: 'svc.md', text: RUNBOOK }], ...(scratch ? { storeUrl: scratch.url } : {}) });
      return h;
    };
    afterEach(async () => {
      await h?.cleanup();
      await drop?.();
      drop = undefined;
    });

    it('a start whose audit entry fails stores no execution', async () => {
      await open();
      await refuseAudit(h, 'execution.start');
      await expect(h.service.start('svc.md#RB-1', responder)).rejects.toThrow(/audit refused/);
      expect(await h.store.db.selectFrom('executions').select('id').execute()).toEqual([]);
    });

    it('a command whose start cannot be audited does not run and leaves no transcript entry', async () => {
      await open();
      const { id } = await h.service.start('svc.md#RB-1', responder);
      await refuseAudit(h, 'execution.command.start');
      await expect(h.service.runStep(id, 1, responder)).rejects.toThrow(/audit refused/);
      expect(await listExecutionEntries(h.store.db, id)).toEqual([]);
      expect((await listAudit(h.store.db, { subject: `execution:${id}` })).map((e) => e.action)).toEqual(['execution.start']);
    });

    it('a command whose result cannot be audited keeps its start (running) and nothing of its result; with the audit working, both are stored', async () => {
      await open();
      const { id } = await h.service.start('svc.md#RB-1', responder);
      await refuseAudit(h, 'execution.command');
      await expect(h.service.runStep(id, 1, responder)).rejects.toThrow(/audit refused/);
      expect((await listExecutionEntries(h.store.db, id)).map((e) => [e.status, e.exit_code])).toEqual([['running', null]]);
      await allowAudit(h.store);
      const ran = await h.service.runStep(id, 1, responder);
      expect(ran.status).toBe('ok');
      expect((await listExecutionEntries(h.store.db, id)).map((e) => e.status)).toEqual(['running', 'ok']);
      expect((await listAudit(h.store.db, { subject: `execution:${id}` })).map((e) => e.action)).toEqual(['execution.start', 'execution.command.start', 'execution.command.start', 'execution.command']);
    });

    it('a refusal whose audit entry fails leaves no refused entry', async () => {
      await open();
      const { id } = await h.service.start('svc.md#RB-1', responder);
      await refuseAudit(h, 'execution.refuse');
      await expect(h.service.runStep(id, 2, viewerActor)).rejects.toThrow(/audit refused|viewer/);
      expect(await listExecutionEntries(h.store.db, id)).toEqual([]);
    });

    it('a tick whose audit entry fails leaves no tick', async () => {
      await open();
      const { id } = await h.service.start('svc.md#RB-1', responder);
      await refuseAudit(h, 'execution.tick');
      await expect(h.service.tick(id, 3, responder, 'looked')).rejects.toThrow(/audit refused/);
      expect(await listExecutionEntries(h.store.db, id)).toEqual([]);
    });

    it('a cancel and a finish whose audit entries fail leave the execution running', async () => {
      await open();
      const { id } = await h.service.start('svc.md#RB-1', responder);
      await refuseAudit(h, 'execution.cancel');
      await expect(h.service.cancel(id, responder)).rejects.toThrow(/audit refused/);
      expect((await findExecution(h.store.db, id))?.state).toBe('running');
      await refuseAudit(h, 'execution.finish');
      await expect(h.service.finish(id, responder)).rejects.toThrow(/audit refused/);
      expect((await findExecution(h.store.db, id))).toMatchObject({ state: 'running', finished_at: null });
    });
  });
}
