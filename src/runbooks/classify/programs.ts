import type { Effect, Target } from '../model.js';
import { hasFlag, optionValue, positionals } from './args.js';
import { verdict, type Verdict } from './effect.js';
import { own } from '../../lib/own.js';

/**
 * Programs whose effect follows from their name and a sub-command or a flag. Each entry reads the
 * arguments (everything after the program name).
 */
type Rule = (args: string[]) => Verdict;

const read = (what: string, target: Target = 'shell'): Rule => {
  const reason = `${what} only reads`;
  return () => verdict('read', reason, target);
};
const write = (reason: string, target: Target = 'shell'): Rule => () => verdict('write', reason, target);
const destroy = (reason: string, target: Target = 'shell'): Rule => () => verdict('destructive', reason, target);

/** A program whose first positional argument is a verb. */
function byVerb(program: string, target: Target, verbs: Record<string, Effect>, valueOptions: string[] = []): Rule {
  const opts = new Set(valueOptions);
  return (args) => {
    const verb = positionals(args, opts)[0] ?? '';
    const effect = verbs[verb];
    if (!effect) return verdict('unknown', `${program} ${verb} is not a sub-command opsbook knows`, target);
    const text = `${program} ${verb}`;
    const reason = effect === 'read' ? `${text} only reads` : effect === 'destructive' ? `${text} removes data` : `${text} changes the system`;
    return verdict(effect, reason, target);
  };
}

const SYSTEMCTL = byVerb('systemctl', 'systemd', {
  status: 'read', 'is-active': 'read', 'is-enabled': 'read', 'is-failed': 'read', show: 'read', cat: 'read', 'list-units': 'read',
  'list-timers': 'read', 'list-unit-files': 'read', start: 'write', stop: 'write', restart: 'write', reload: 'write',
  'try-restart': 'write', 'reload-or-restart': 'write', enable: 'write', disable: 'write', mask: 'write', unmask: 'write',
  'daemon-reload': 'write', kill: 'write', 'reset-failed': 'write',
});

const DOCKER_VERBS: Record<string, Effect> = {
  ps: 'read', logs: 'read', inspect: 'read', stats: 'read', top: 'read', images: 'read', version: 'read', info: 'read', events: 'read',
  config: 'read', port: 'read', ls: 'read', restart: 'write', stop: 'write', start: 'write', up: 'write', run: 'write', exec: 'write',
  scale: 'write', pull: 'write', build: 'write', create: 'write', kill: 'write', pause: 'write', unpause: 'write', push: 'write',
  cp: 'write', tag: 'write', rm: 'destructive', rmi: 'destructive', down: 'write', prune: 'destructive',
};
const DOCKER_OPTIONS = new Set(['-f', '--file', '-p', '--project-name', '--tail', '-H', '--host', '--context', '--env-file']);

function docker(program: string): Rule {
  return (args) => {
    let rest = args;
    if (program === 'docker' && positionals(args, DOCKER_OPTIONS)[0] === 'compose') rest = args.slice(args.indexOf('compose') + 1);
    const pos = positionals(rest, DOCKER_OPTIONS);
    let verb = pos[0] ?? '';
    if (/^(system|container|image|volume|network|builder)$/.test(verb)) verb = pos[1] === 'prune' ? 'prune' : pos[1] === 'rm' ? 'rm' : pos[1] ?? '';
    const name = rest === args ? program : 'docker compose';
    if (verb === 'down' && hasFlag(rest, '-v', '--volumes')) return verdict('destructive', `${name} down -v removes volumes`, 'docker');
    const effect = own(DOCKER_VERBS, verb);
    if (!effect) return verdict('unknown', `${name} ${verb} is not a sub-command opsbook knows`, 'docker');
    const reason = effect === 'read' ? `${name} ${verb} only reads` : effect === 'destructive' ? `${name} ${verb} removes containers or data` : `${name} ${verb} changes running containers`;
    return verdict(effect, reason, 'docker');
  };
}

const GIT_OPTIONS = new Set(['-C', '-c']);

const GIT = (args: string[]): Verdict => {
  const verb = positionals(args, GIT_OPTIONS)[0] ?? '';
  if (/^(log|status|diff|show|rev-parse|describe|blame|ls-files|ls-remote|remote|branch|tag|config|shortlog|grep|reflog)$/.test(verb) && !hasFlag(args, '-d', '-D', '--delete')) {
    return verdict('read', `git ${verb} only reads`, 'git');
  }
  if (verb === 'reset' && hasFlag(args, '--hard')) return verdict('destructive', 'git reset --hard discards local changes', 'git');
  if (verb === 'clean' && hasFlag(args, '-f', '--force')) return verdict('destructive', 'git clean -f deletes untracked files', 'git');
  if (verb === 'push' && hasFlag(args, '-f', '--force', '--force-with-lease')) return verdict('destructive', 'git push --force rewrites remote history', 'git');
  if (/^(checkout|switch|pull|fetch|merge|rebase|revert|commit|push|reset|stash|cherry-pick|restore|clone|init|add|rm|mv|apply|am)$/.test(verb)) {
    return verdict('write', `git ${verb} changes the working tree or repository`, 'git');
  }
  return verdict('unknown', `git ${verb} is not a sub-command opsbook knows`, 'git');
};

function rm(args: string[]): Verdict {
  const flags = args.filter((a) => a.startsWith('-')).join(' ');
  const recursive = hasFlag(args, '-r', '-R', '--recursive');
  return verdict('destructive', recursive ? `rm ${flags} removes files and directories`.replace('  ', ' ') : 'rm removes files', 'shell');
}

function sed(args: string[]): Verdict {
  return hasFlag(args, '-i', '--in-place') ? verdict('write', 'sed -i edits files in place', 'shell') : verdict('read', 'sed only reads (prints to stdout)', 'shell');
}

const GZIP_OPTIONS = new Set(['-S', '--suffix']);

function gzip(name: string): Rule {
  return (args) => {
    if (hasFlag(args, '-c', '--stdout', '-l', '--list', '-t', '--test')) return verdict('read', `${name} -c only reads`, 'shell');
    // No file named: it reads its input and prints (`gunzip < dump.gz | psql`).
    if (positionals(args, GZIP_OPTIONS).length === 0) return verdict('read', `${name} of its input only prints`, 'shell');
    return verdict('write', `${name} replaces files`, 'shell');
  };
}

function kill(name: string): Rule {
  return (args) => {
    if (args.some((a) => /^-(9|KILL|SIGKILL|s\s*KILL)$/.test(a)) || optionValue(args, '-s') === 'KILL') {
      return verdict('destructive', `${name} -9 ends processes without letting them finish their work`, 'shell');
    }
    return verdict('write', `${name} signals processes to stop`, 'shell');
  };
}

/** Options of the PostgreSQL client programs that take a value. */
export const PG_VALUE_OPTIONS = new Set(['-h', '--host', '-p', '--port', '-U', '--username', '-d', '--dbname', '-f', '--file', '-F', '--format', '-j', '--jobs', '-n', '--schema', '-t', '--table', '-O', '--owner', '-T', '--template', '-E', '--encoding', '-D', '--tablespace', '-l', '--locale', '-c', '--command', '-v', '--set', '-L', '--log-file', '-S', '--superuser', '-I', '--index', '-P', '--function']);

/**
 * pg_restore into a database: a restore lands on what is there, so it is destructive, unless the
 * procedure created that database itself (a scratch database for a restore test; see
 * `restoresInto`).
 */
function pgRestore(args: string[]): Verdict {
  if (hasFlag(args, '-l', '--list')) return verdict('read', 'pg_restore --list only reads the archive', 'shell');
  const db = optionValue(args, '-d', '--dbname');
  const clean = hasFlag(args, '-c', '--clean');
  if (!db) return clean ? verdict('destructive', 'pg_restore --clean drops objects before restoring', 'shell') : verdict('read', 'pg_restore without -d only prints SQL', 'shell');
  const reason = clean ? `pg_restore --clean drops objects in ${db} before restoring` : `pg_restore loads a dump into database ${db}, over what is there`;
  return { ...verdict('destructive', reason, 'shell'), restoresInto: db };
}

function createdb(args: string[]): Verdict {
  const name = positionals(args, PG_VALUE_OPTIONS)[0];
  return { ...verdict('write', 'createdb adds a database', 'shell'), ...(name ? { createsDatabase: name } : {}) };
}

/** alembic: `downgrade` undoes migrations, dropping what they added. */
const ALEMBIC_VERBS: Record<string, Effect> = { current: 'read', history: 'read', heads: 'read', branches: 'read', show: 'read', check: 'read', upgrade: 'write', downgrade: 'destructive', stamp: 'write', revision: 'write', merge: 'write' };

const ALEMBIC_OPTIONS = new Set(['-c', '--config', '-n', '--name', '-x']);

function alembic(args: string[]): Verdict {
  const verb = positionals(args, ALEMBIC_OPTIONS)[0] ?? '';
  const effect = own(ALEMBIC_VERBS, verb);
  if (!effect) return verdict('unknown', `alembic ${verb} is not a sub-command opsbook knows`, 'python');
  if (verb === 'downgrade') return verdict('destructive', 'alembic downgrade is a backward migration: it drops what the later migrations added', 'python');
  if (hasFlag(args, '--sql')) return verdict('read', `alembic ${verb} --sql only prints SQL`, 'python');
  return verdict(effect, effect === 'read' ? `alembic ${verb} only reads` : `alembic ${verb} changes the database schema`, 'python');
}

/** etcd: reads, then writes to the store, then what removes keys, members or history. */
const ETCDCTL_OPTIONS = new Set(['--endpoints', '--cacert', '--cert', '--key', '--user', '--password', '--command-timeout', '--dial-timeout', '-w', '--write-out', '--prefix-range']);

function etcdctl(args: string[]): Verdict {
  const pos = positionals(args, ETCDCTL_OPTIONS);
  const [verb = '', sub = ''] = pos;
  const say = (effect: Effect, reason: string): Verdict => verdict(effect, reason, 'shell');
  if (/^(get|version|watch|check)$/.test(verb)) return say('read', `etcdctl ${verb} only reads`);
  if (verb === 'endpoint' || (verb === 'member' && sub === 'list') || (verb === 'alarm' && sub === 'list') || (verb === 'snapshot' && sub === 'status') || (verb === 'user' && sub === 'list') || (verb === 'role' && sub === 'list')) return say('read', `etcdctl ${verb} ${sub} only reads`);
  if (verb === 'snapshot' && sub === 'save') return say('write', 'etcdctl snapshot save writes a snapshot file');
  if (verb === 'snapshot' && sub === 'restore') return say('destructive', 'etcdctl snapshot restore builds a data directory that replaces the cluster state');
  if (verb === 'defrag') return say('destructive', 'etcdctl defrag rewrites the store and blocks the member while it runs (run it one member at a time)');
  if (verb === 'compact' || verb === 'compaction') return say('destructive', 'etcdctl compact discards the key history before a revision');
  if (verb === 'del') return say('destructive', 'etcdctl del deletes keys');
  if (verb === 'member' && sub === 'remove') return say('destructive', 'etcdctl member remove takes a member out of the cluster');
  if (verb === 'move-leader') return say('destructive', 'etcdctl move-leader forces a leader election');
  if (/^(put|txn|lease|lock|elect|member|alarm|user|role|auth)$/.test(verb)) return say('destructive', `etcdctl ${verb} ${sub} changes the cluster store kubernetes runs on`);
  return say('unknown', `etcdctl ${verb} is not a sub-command opsbook knows`);
}

/** Ceph: status and listings read; flags and settings write; removing OSDs, pools or data destroys. */
const CEPH_OPTIONS = new Set(['-c', '--conf', '-n', '--name', '-k', '--keyring', '--cluster', '-f', '--format', '-i', '-o']);

function ceph(args: string[]): Verdict {
  const pos = positionals(args, CEPH_OPTIONS);
  if (pos.length === 0) return hasFlag(args, '-s', '--status', '-w', '--watch') ? verdict('read', 'ceph -s only reads the cluster status', 'shell') : verdict('unknown', 'ceph opens an interactive shell', 'shell');
  const words = pos.join(' ');
  const say = (effect: Effect, reason: string): Verdict => verdict(effect, reason, 'shell');
  if (/\b(purge|destroy|rm|delete|remove|lost|zap|force-create-pg|mark_unfound_lost)\b/.test(words)) return say('destructive', `ceph ${pos.slice(0, 3).join(' ')} removes OSDs, pools or data`);
  if (/^(status|health|df|versions|version|quorum_status|mon_status|report|features|time-sync-status)\b/.test(words) || /\b(ls|list|tree|stat|dump|get|query|df|detail|status|find|metadata|perf|ls-by-pool|map)\b$/.test(words) || /^(osd|pg|mon|mgr|fs|mds|auth|config) (tree|stat|dump|ls|df|get|query|metadata|status|map|find|blocked-by|perf|versions|show|crush (tree|rule ls|dump))\b/.test(words)) {
    return say('read', `ceph ${pos.slice(0, 2).join(' ')} only reads`);
  }
  if (/^osd (set|unset|out|in|down|reweight|pause|unpause|primary-affinity|pool set|crush reweight)\b/.test(words) || /^(config set|tell|pg repair|pg scrub|pg deep-scrub|osd scrub|osd deep-scrub|mgr module|balancer|orch)\b/.test(words)) {
    return say('write', `ceph ${pos.slice(0, 3).join(' ')} changes the cluster`);
  }
  return say('unknown', `ceph ${pos.slice(0, 2).join(' ')} is not a command opsbook knows`);
}

function pgDump(args: string[]): Verdict {
  const file = optionValue(args, '-f', '--file');
  return file ? verdict('write', `pg_dump writes a dump to ${file}`, 'shell') : verdict('read', 'pg_dump only reads the database', 'shell');
}

const PG_CTL_OPTIONS = new Set(['-D', '-m', '-l', '-o', '-w', '-t']);

function pgCtl(args: string[]): Verdict {
  const verb = positionals(args, PG_CTL_OPTIONS)[0] ?? '';
  if (verb === 'status') return verdict('read', 'pg_ctl status only reads', 'shell');
  if (verb === 'promote') return verdict('write', 'pg_ctl promote turns a standby into the primary', 'shell');
  return verdict('write', `pg_ctl ${verb} starts or stops the server`, 'shell');
}

function find(args: string[], inner: (words: string[]) => Verdict): Verdict {
  if (args.includes('-delete')) return verdict('destructive', 'find -delete removes the files it matches', 'shell');
  const i = args.findIndex((a) => a === '-exec' || a === '-execdir' || a === '-ok');
  if (i >= 0) {
    const end = args.findIndex((a, j) => j > i && (a === ';' || a === '+' || a === '\\;'));
    const v = inner(args.slice(i + 1, end > i ? end : undefined));
    return { ...v, reasons: v.reasons.map((r) => `find -exec: ${r}`) };
  }
  return verdict('read', 'find only lists', 'shell');
}

const SIMPLE: Record<string, Rule> = {
  systemctl: SYSTEMCTL,
  service: (args) => verdict(/^(status)$/.test(args[1] ?? '') ? 'read' : 'write', `service ${args[1] ?? ''} ${args[1] === 'status' ? 'only reads' : 'starts or stops a service'}`, 'systemd'),
  journalctl: read('journalctl', 'systemd'),
  docker: docker('docker'),
  'docker-compose': docker('docker-compose'),
  git: GIT,
  rm,
  rmdir: destroy('rmdir removes directories'),
  shred: destroy('shred destroys files'),
  truncate: destroy('truncate cuts files'),
  dd: destroy('dd overwrites its output'),
  dropdb: destroy('dropdb removes a database'),
  dropuser: destroy('dropuser removes a role'),
  sed,
  gzip: gzip('gzip'),
  gunzip: gzip('gunzip'),
  zcat: read('zcat'),
  kill: kill('kill'),
  pkill: kill('pkill'),
  killall: kill('killall'),
  pg_restore: pgRestore,
  pg_dump: pgDump,
  pg_dumpall: pgDump,
  pg_ctl: pgCtl,
  pg_basebackup: write('pg_basebackup copies a data directory'),
  pg_isready: read('pg_isready'),
  createdb,
  etcdctl,
  ceph,
  createuser: write('createuser adds a role'),
  mv: write('mv moves files'),
  cp: write('cp copies files'),
  mkdir: write('mkdir creates directories'),
  touch: write('touch creates or updates files'),
  chmod: write('chmod changes permissions'),
  chown: write('chown changes ownership'),
  ln: write('ln creates links'),
  tee: write('tee writes files'),
  tar: (args) => (hasFlag(args, '-t', '--list') ? verdict('read', 'tar -t only lists', 'shell') : verdict('write', 'tar writes files', 'shell')),
  rsync: (args) => (hasFlag(args, '--delete') ? verdict('destructive', 'rsync --delete removes files at the destination', 'shell') : verdict('write', 'rsync copies files', 'shell')),
  pip: write('pip changes installed packages'),
  pip3: write('pip changes installed packages'),
  npm: (args) => (/^(ls|list|view|outdated|audit)$/.test(args[0] ?? '') ? verdict('read', `npm ${args[0]} only reads`, 'shell') : verdict('write', `npm ${args[0] ?? ''} changes installed packages`, 'shell')),
  'apt-get': (args) => (/^(install|upgrade|dist-upgrade|update)$/.test(positionals(args)[0] ?? '') ? verdict('write', 'apt-get changes installed packages', 'shell') : verdict('destructive', 'apt-get removes packages', 'shell')),
  apt: (args) => (/^(list|show|search|policy)$/.test(positionals(args)[0] ?? '') ? verdict('read', 'apt only reads', 'shell') : verdict('write', 'apt changes installed packages', 'shell')),
  alembic,
  daphne: write('daphne starts a server'),
  gunicorn: write('gunicorn starts a server'),
  uvicorn: write('uvicorn starts a server'),
  'redis-server': write('redis-server starts a server'),
  openssl: (args) => (/^(s_client|x509|verify|version|crl|asn1parse|ciphers)$/.test(args[0] ?? '') ? verdict('read', `openssl ${args[0]} only reads`, 'shell') : verdict('write', `openssl ${args[0] ?? ''} writes keys or certificates`, 'shell')),
  crontab: (args) => (hasFlag(args, '-l') ? verdict('read', 'crontab -l only reads', 'shell') : hasFlag(args, '-r') ? verdict('destructive', 'crontab -r removes the crontab', 'shell') : verdict('write', 'crontab changes scheduled jobs', 'shell')),
  pytest: verdictRule('unknown', 'pytest runs a test suite, which may touch the systems it tests'),
};

function verdictRule(effect: Effect, reason: string): Rule {
  return () => verdict(effect, reason, 'shell');
}

/** Programs that only read or print, whatever their arguments. */
const READERS = new Set(
  ('ls cat head tail less more grep egrep fgrep zgrep awk sort uniq wc jq yq cut tr column echo printf date sleep true false test [ [[ ' +
    'pgrep ps top htop free iostat vmstat mpstat sar df du uptime uname hostname whoami id which whereis type file stat env ' +
    'printenv pwd cd nslookup dig host ping traceroute tracepath mtr nc netstat ss lsof basename dirname readlink ' +
    'realpath md5sum sha256sum diff cmp seq yes exit set export local declare unset shift read wait trap return ' +
    'nproc lscpu lsblk ip ifconfig arp route').split(/\s+/),
);

/** The rules by name, own keys only (a word such as `constructor` finds nothing). */
const SIMPLE_RULES = new Map(Object.entries(SIMPLE));

export function simpleRule(program: string): Rule | undefined {
  return SIMPLE_RULES.get(program);
}

/** Every program `isReader` knows. */
export const READER_NAMES: readonly string[] = [...READERS];

export function isReader(program: string): boolean {
  return READERS.has(program);
}

/** `PROGRAM only reads` for each program of `READERS`, written once rather than per command. */
const READER_REASONS = new Map([...READERS].map((p) => [p, `${p} only reads`]));

/** The reason a reader (`isReader`) gives. */
export function readerReason(program: string): string {
  return READER_REASONS.get(program) ?? `${program} only reads`;
}

export { find as findRule };
