import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusFile } from '../../../bench/support/runbook-corpus.js';
import { parseRunbook } from '../parse.js';
import { setSpeedups } from '../speedups.js';
import { classifyBlock } from './block.js';
import { ShellSyntaxError, type ShStatement } from './shell-parse.js';
import { readShell } from './shell-plain.js';
import { classifyStatement } from './shell.js';
import { statementVerdict } from './statement.js';
import { scaled } from '../../../test/support/timing.js';

/**
 * `statementVerdict` builds a statement's verdict in one pass; `classifyStatement`, which combines
 * a verdict per call, is the oracle it must agree with, down to the order of reasons, on every
 * statement: generated ones made of the programs, verbs, flags, wrappers and redirections the
 * classifier reads, and every shell statement of the bench corpus.
 */
function statements(code: string): ShStatement[] {
  try {
    return readShell(code);
  } catch (e) {
    if (e instanceof ShellSyntaxError) return [];
    throw e;
  }
}

const command = fc.constantFrom(
  'kubectl get pods -n <namespace>', 'kubectl -n billing delete deployment api', 'kubectl exec -it api-0 -- cat /etc/hosts', 'kubectl exec api-0 -- rm -rf /data',
  'kubectl drain node-1 --delete-emptydir-data', 'kubectl rollout restart deploy/api', 'kubectl config use-context prod', 'kubectl replace --force -f x.yaml',
  'oc adm drain node-1 --force', 'oc adm prune images --confirm', 'oc rsh api-0 ls /', 'oc debug node/n1 -- chroot /host systemctl restart kubelet', 'oc project', 'oc project other',
  'docker exec -it db psql -c "DELETE FROM t"', 'docker compose exec web bash', 'docker compose down -v', 'docker system prune', 'docker ps',
  'systemctl restart nginx', 'systemctl status nginx', 'service nginx status', 'journalctl -u api -f',
  'redis-cli -h cache KEYS "*"', 'redis-cli DEL k', 'redis-cli', 'redis-cli --cluster check h:1', 'redis-cli --bigkeys', 'redis-cli CONFIG SET x 1',
  "psql -d app -c 'SELECT 1'", "psql -c 'TRUNCATE t'", 'psql app', 'psql -d app', 'psql -f fix.sql', 'psql -l', 'pg_restore -d app dump.pgc', 'pg_restore --clean -d scratch d', 'createdb scratch', 'pg_dump -f out.sql app', 'pg_ctl promote',
  'gunzip -c dump.gz', 'gunzip dump.gz', 'curl -X DELETE https://x/api', 'curl -d a=1 https://x', 'curl -o out https://x', 'curl -s https://x/health', 'wget https://x', 'http POST https://x a=1',
  'watch -n 5 kubectl get pods', "ssh db1 'sudo systemctl restart postgresql'", 'ssh db1', "bash -c 'rm -rf /tmp/x'", 'bash script.sh',
  'find /tmp -name "*.log" -delete', 'find . -exec rm {} \\;', 'xargs kubectl delete pod', 'xargs', 'rm -rf /var/lib/x', 'rm f', 'sed -i s/a/b/ f', 'sed s/a/b/ f',
  'kill -9 123', 'pkill -f celery', 'git push --force', 'git log', 'git frob', 'python manage.py migrate', 'python manage.py migrate app 0005', 'python manage.py shell -c "print(1)"',
  'python3 script.py', 'alembic downgrade -1', 'alembic upgrade head --sql', 'celery -A app inspect active', 'celery -A app purge', 'celery control shutdown',
  'aws s3 rm s3://b/k', 'aws ec2 describe-instances', 'mc rm --recursive local/b', 'mc find local/b --exec "mc rm {}"', 'etcdctl defrag', 'etcdctl get / --prefix', 'ceph osd set noout', 'ceph -s',
  'ENV-TOOL aws ROLE -- kubectl get pods', 'frobnicate --now', 'mongosh --eval "db.x.drop()"', 'mongodump --out /b', 'cat /etc/hosts', 'grep -r x .', 'echo done', 'tar -tf a.tar', 'tar xf a.tar',
  'crontab -r', 'openssl x509 -in c.pem -noout', 'npm ls', 'apt-get remove x', 'tee out.txt', 'ls', 'cd /tmp', 'true',
);
const prefix = fc.constantFrom('', '', '', 'sudo ', 'sudo -u postgres ', 'X=1 ', 'env A=b ', 'timeout 5 ', 'nohup ', 'time ', 'exec ', 'command ');
const redirect = fc.constantFrom('', '', '', ' > out.txt', ' > /dev/null', ' 2>&1', ' 2> err.log', ' >> log.txt', ' < dump.sql', ' &> all.log', ' >| f', ' > "$OUT"');
const operator = fc.constantFrom(' | ', ' && ', ' || ', '; ', '\n', ' |\n  ');
const simple = fc.tuple(prefix, command, redirect).map(([p, c, r]) => `${p}${c}${r}`);
const statement = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.tuple(simple, operator), { minLength: 1, maxLength: 4 }).map((parts) => parts.map(([c, op], i) => (i === parts.length - 1 ? c : c + op)).join('')) },
  { weight: 1, arbitrary: fc.tuple(simple, simple).map(([a, b]) => `for x in a b; do\n  ${a}\ndone${b.includes('>') ? '' : ' > loop.log'}`) },
  { weight: 1, arbitrary: fc.tuple(simple, simple).map(([a, b]) => `if ${a}; then ${b}; fi`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('X=1', 'A=$(date) B=2', 'export Y=2'), redirect).map(([a, r]) => `${a}${r}`) },
  { weight: 1, arbitrary: fc.constantFrom('gunzip < dump.gz | psql app', 'createdb scratch && pg_restore -d scratch d', 'cat x | xargs rm', 'kubectl get pods -o name | xargs -I{} kubectl delete {}', '> empty.txt', 'psql app < restore.sql') },
);

describe('a statement read in one pass gets the verdict combined per call', () => {
  afterEach(() => setSpeedups({ directVerdicts: true }));

  it('on generated statements of the programs, wrappers and redirections the classifier reads', () => {
    let compared = 0;
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 4 }), (parts) => {
        for (const st of statements(parts.join('\n'))) {
          expect(statementVerdict(st)).toStrictEqual(classifyStatement(st));
          compared++;
        }
      }),
      { numRuns: 4000 },
    );
    // The generated text is shell: nearly every run compares statements.
    expect(compared).toBeGreaterThan(4000);
  }, scaled(600_000));

  it('on generated blocks, placeholders and lines included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(statement, fc.constantFrom('', '# check first', 'echo $TOKEN {id} <pod>', 'for p in $PODS; do kubectl delete pod $p; done')), { maxLength: 6 }), fc.integer({ min: 1, max: 40 }), (lines, first) => {
        const code = lines.join('\n');
        setSpeedups({ directVerdicts: false });
        const old = classifyBlock(code, 'bash', first);
        setSpeedups({ directVerdicts: true });
        expect(classifyBlock(code, 'bash', first)).toEqual(old);
      }),
      { numRuns: 2000 },
    );
  }, scaled(600_000));

  it('on every shell statement and block of the bench corpus', () => {
    let compared = 0;
    for (let i = 0; i < 120; i++) {
      const text = corpusFile(i);
      setSpeedups({ directVerdicts: false });
      const old = parseRunbook(text, { file: `runbooks/file-${i}.md` });
      setSpeedups({ directVerdicts: true });
      const now = parseRunbook(text, { file: `runbooks/file-${i}.md` });
      expect(now).toEqual(old);
      for (const b of now.blocks) {
        if (b.target === 'text' || !/^(bash|sh|shell|console|)$/.test(b.language)) continue;
        for (const st of statements(b.code)) {
          expect(statementVerdict(st)).toStrictEqual(classifyStatement(st));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  }, scaled(600_000));
});
