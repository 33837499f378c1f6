import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../index.js';
import { classifyCommand } from './index.js';

/** Commands of the platforms runbooks in the wild use, with the effect and a word of the reason. */
const CASES: [string, 'read' | 'write' | 'destructive' | 'unknown', string][] = [
  // What really runs: exec, rsh, debug, docker exec, ssh, wrappers.
  ['kubectl exec -n shop deploy/web -- cat /etc/resolv.conf', 'read', 'inside: cat only reads'],
  ['kubectl exec -n shop deploy/web -- rm -rf /data/cache', 'destructive', 'inside: rm -rf'],
  ['kubectl exec -it web-1 -n shop -- bash', 'unknown', 'bash runs a script'],
  ['kubectl exec -it web-1 -n shop', 'unknown', 'opens an interactive shell'],
  ['oc rsh -n shop web-1 ls /data', 'read', 'oc rsh runs a command inside a pod'],
  ['oc rsh web-1', 'unknown', 'oc rsh opens an interactive shell'],
  ['oc rsh web-1 -- redis-cli FLUSHALL', 'destructive', 'FLUSHALL deletes every key'],
  ['oc debug node/worker-1 -- chroot /host systemctl status kubelet', 'read', 'systemctl status only reads'],
  ['oc debug node/worker-1 -- chroot /host systemctl restart kubelet', 'write', 'systemctl restart'],
  ['oc debug node/worker-1', 'write', 'debug pod'],
  ['docker exec web-1 cat /etc/hosts', 'read', 'docker exec runs a command inside a container'],
  ['docker exec -u postgres db-1 psql -c "DROP TABLE sessions"', 'destructive', 'removes an object'],
  ['docker compose exec db psql -c "SELECT 1"', 'read', 'SELECT only reads'],
  ['docker exec -it web-1 sh', 'unknown', 'interactive shell'],
  ['ssh ledger-standby-1 -- df -h /var/lib/postgresql', 'read', 'on ledger-standby-1: df only reads'],
  ['ssh ledger-standby-1 -- sudo systemctl restart postgresql', 'write', 'systemctl restart'],
  ['ENV-TOOL aws prod-admin -- kubectl get pods -n sessions', 'read', 'ENV-TOOL runs the command after --'],
  ['ENV-TOOL aws prod-admin -- kubectl delete pod web-1 -n shop', 'destructive', 'kubectl delete'],
  // oc adm, drain, etcd, ceph.
  ['oc adm top nodes', 'read', 'oc adm top only reads'],
  ['oc adm cordon worker-1', 'write', 'stops scheduling'],
  ['oc adm drain worker-1 --ignore-daemonsets', 'write', 'evicts every pod'],
  ['oc adm drain worker-1 --ignore-daemonsets --delete-emptydir-data', 'destructive', 'deletes their emptyDir data'],
  ['oc drain worker-1 --delete-emptydir-data', 'destructive', 'deletes their emptyDir data'],
  ['kubectl drain worker-1 --ignore-daemonsets --delete-local-data', 'destructive', 'emptyDir data'],
  ['oc adm prune images --confirm', 'destructive', 'oc adm prune deletes'],
  ['oc adm prune images', 'read', 'without --confirm'],
  ['oc adm upgrade', 'read', 'only shows the available updates'],
  ['oc adm upgrade --to 4.15.3', 'write', 'starts a cluster upgrade'],
  ['oc adm policy add-role-to-user admin ana -n shop', 'write', 'oc adm policy'],
  ['oc adm must-gather', 'read', 'diagnostics'],
  ['oc get clusteroperators', 'read', 'kubectl get only reads'],
  ['etcdctl endpoint status --cluster -w table', 'read', 'etcdctl endpoint status only reads'],
  ['etcdctl member list', 'read', 'only reads'],
  ['etcdctl defrag --endpoints=https://10.0.0.5:2379', 'destructive', 'blocks the member'],
  ['etcdctl snapshot save /backup/etcd.db', 'write', 'writes a snapshot file'],
  ['etcdctl del /registry/pods/shop/web-1', 'destructive', 'deletes keys'],
  ['etcdctl compact 123456', 'destructive', 'discards the key history'],
  ['ceph status', 'read', 'only reads'],
  ['ceph -s', 'read', 'only reads'],
  ['ceph health detail', 'read', 'only reads'],
  ['ceph osd tree', 'read', 'only reads'],
  ['ceph osd set noout', 'write', 'changes the cluster'],
  ['ceph osd out 7', 'write', 'changes the cluster'],
  ['ceph osd purge 7 --yes-i-really-mean-it', 'destructive', 'removes OSDs'],
  ['ceph osd pool delete scratch scratch --yes-i-really-really-mean-it', 'destructive', 'removes OSDs, pools or data'],
  // Backward migrations.
  ['python manage.py migrate finance 0005', 'destructive', 'backward migration'],
  ['python manage.py migrate finance zero', 'destructive', 'backward migration'],
  ['python manage.py migrate', 'write', 'changes the database schema'],
  ['alembic downgrade -1', 'destructive', 'backward migration'],
  ['alembic upgrade head', 'write', 'changes the database schema'],
  ['alembic upgrade head --sql', 'read', 'only prints SQL'],
  // Restores: onto a database that is not a scratch one.
  ['gunzip < ledger.sql.gz | psql -h db ledger', 'destructive', 'into database ledger'],
  ['gunzip -c ledger.sql.gz | psql -d ledger', 'destructive', 'into database ledger'],
  ['psql ledger < dump.sql', 'destructive', 'into database ledger'],
  ['pg_restore -d ledger ledger.dump', 'destructive', 'into database ledger'],
  ['cat query.sql | psql', 'unknown', 'runs SQL from its input'],
];

describe('effects by what really runs', () => {
  for (const [command, effect, reason] of CASES) {
    it(`${effect}: ${command}`, () => {
      const r = classifyCommand(command);
      expect(r.effect, r.reasons.join(' | ')).toBe(effect);
      expect(r.reasons.join(' | ')).toContain(reason);
    });
  }
});

describe('a restore into a database the same procedure created is a write', () => {
  const file = path.resolve(import.meta.dirname, '../../../test/fixtures/runbooks/layouts/restore-drill-steps.md');
  const rb = parseRunbook(readFileSync(file, 'utf8'), { file: 'restore-drill-steps.md' });
  const block = (line: number) => rb.blocks.find((b) => b.line === line)!;

  it('a restore test loads into its own scratch database: write', () => {
    expect(block(15)).toMatchObject({ effect: 'write' });
    expect(block(15).reasons[0]).toBe('restores into ledger_restore_check, a scratch database this procedure created');
  });

  it('the same restore onto the live database is destructive', () => {
    expect(block(29).effect).toBe('destructive');
    expect(block(29).commands.map((c) => c.effect)).toEqual(['destructive', 'destructive']);
  });

  it('a database created by another procedure does not count', () => {
    const text = '# R\n\n## Make\n\n**Procedure:**\n\n```bash\ncreatedb scratch\n```\n\n## Load\n\n**Procedure:**\n\n```bash\npsql scratch < dump.sql\n```\n';
    const r = parseRunbook(text);
    expect(r.procedures.map((p) => p.id)).toEqual(['make', 'load']);
    expect(r.blocks[1]!.effect).toBe('destructive');
  });

  it('CREATE DATABASE counts as creating it, and the restore after it is a write', () => {
    const text = '# R\n\n## Restore drill\n\n**Procedure:**\n\n```bash\npsql -c "CREATE DATABASE drill_42"\ngunzip < d.sql.gz | psql drill_42\n```\n';
    const r = parseRunbook(text);
    expect(r.blocks[0]!.commands.map((c) => c.effect)).toEqual(['write', 'write']);
  });
});

describe('running a command inside a pod, container or host changes nothing about its effect', () => {
  const inner = fc.constantFrom('ls -la /data', 'cat /etc/hosts', 'redis-cli ping', 'redis-cli DEL q', 'rm -rf /tmp/x', 'curl -X POST https://x/y', 'psql -c "SELECT 1"', 'psql -c "TRUNCATE t"', 'systemctl restart app', 'frobnicate --now', 'python manage.py migrate app 0001');
  const wrap = fc.constantFrom((c: string) => `kubectl exec -n ns deploy/app -- ${c}`, (c: string) => `oc rsh pod-1 ${c}`, (c: string) => `docker exec app ${c}`, (c: string) => `ssh host-1 -- '${c}'`, (c: string) => `ENV-TOOL aws role -- ${c}`, (c: string) => `oc debug node/n1 -- chroot /host ${c}`);
  it('holds for every wrapper and command', () => {
    fc.assert(fc.property(inner, wrap, (c, w) => classifyCommand(w(c)).effect === classifyCommand(c).effect), { numRuns: 300 });
  });
});
