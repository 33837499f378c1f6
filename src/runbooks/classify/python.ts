import type { Effect } from '../model.js';
import { hasFlag, optionValue, positionals } from './args.js';
import { classifyCalls, PYTHON_CALLS } from './code-calls.js';
import { verdict, type Verdict } from './effect.js';
import { sqlVerdict } from './sql.js';
import { own } from '../../lib/own.js';

/** Python code: a Django shell one-liner, a script snippet. */
export function pythonCodeVerdict(code: string): Verdict {
  return classifyCalls(code, 'python', PYTHON_CALLS, 'python', 'the Python code');
}

/** Django management commands that only read, and the ones that change things. */
const MANAGE: Record<string, [Effect, string]> = {
  showmigrations: ['read', 'manage.py showmigrations only reads'],
  check: ['read', 'manage.py check only reads'],
  diffsettings: ['read', 'manage.py diffsettings only reads'],
  sqlmigrate: ['read', 'manage.py sqlmigrate only prints SQL'],
  inspectdb: ['read', 'manage.py inspectdb only reads'],
  migrate: ['write', 'manage.py migrate changes the database schema'],
  makemigrations: ['write', 'manage.py makemigrations writes migration files'],
  collectstatic: ['write', 'manage.py collectstatic writes static files'],
  createsuperuser: ['write', 'manage.py createsuperuser adds a user'],
  loaddata: ['write', 'manage.py loaddata writes rows'],
  dumpdata: ['read', 'manage.py dumpdata only reads'],
  flush: ['destructive', 'manage.py flush removes every row'],
  clearsessions: ['write', 'manage.py clearsessions removes expired sessions'],
  runserver: ['write', 'manage.py runserver starts a server'],
};

const MANAGE_OPTIONS = new Set(['-c', '--command', '--database', '--settings', '-i', '--interface']);

/** `python manage.py COMMAND …` */
export function manageVerdict(args: string[]): Verdict {
  const pos = positionals(args, MANAGE_OPTIONS);
  const command = pos[0] ?? '';
  if (command === 'shell' || command === 'shell_plus') {
    const code = optionValue(args, '-c', '--command');
    if (code === undefined) return verdict('unknown', `manage.py ${command} opens an interactive shell`, 'python');
    return pythonCodeVerdict(code);
  }
  if (command === 'dbshell') {
    const sql = optionValue(args, '-c', '--command');
    return sql === undefined ? verdict('unknown', 'manage.py dbshell opens an interactive SQL shell', 'sql') : sqlVerdict(sql);
  }
  if (command === 'migrate' && hasFlag(args, '--check', '--plan')) return verdict('read', 'manage.py migrate --check only reads', 'python');
  // `migrate APP 0005` / `migrate APP zero` moves an app to a named migration: backwards when later ones are applied.
  if (command === 'migrate' && pos[2] !== undefined) return verdict('destructive', `manage.py migrate ${pos[1]} ${pos[2]} is a backward migration: it unapplies the later migrations, dropping what they added`, 'python');
  if (hasFlag(args, '--dry-run')) return verdict('read', `manage.py ${command} --dry-run changes nothing`, 'python');
  const known = own(MANAGE, command);
  if (known) return verdict(known[0], known[1], 'python');
  return verdict('unknown', `manage.py ${command} is a project command opsbook cannot see into`, 'python');
}

const PYTHON_OPTIONS = new Set(['-c', '-m', '-W', '-X']);

/** `python …`: manage.py, `-c CODE`, or a script. */
export function pythonVerdict(args: string[]): Verdict {
  const script = positionals(args, PYTHON_OPTIONS)[0] ?? '';
  const code = optionValue(args, '-c');
  if (code !== undefined) return pythonCodeVerdict(code);
  if (/(^|\/)manage\.py$/.test(script)) return manageVerdict(args.slice(args.indexOf(script) + 1));
  if (!script) return verdict('unknown', 'python with no script opens an interactive shell', 'python');
  return verdict('unknown', `python runs ${script}, which opsbook cannot see into`, 'python');
}

const CELERY: Record<string, [Effect, string]> = {
  inspect: ['read', 'celery inspect only reads'],
  status: ['read', 'celery status only reads'],
  report: ['read', 'celery report only reads'],
  events: ['read', 'celery events only watches'],
  result: ['read', 'celery result only reads'],
  list: ['read', 'celery list only reads'],
  purge: ['destructive', 'celery purge deletes every waiting task'],
  call: ['write', 'celery call sends a task'],
  worker: ['write', 'celery worker starts a worker'],
  beat: ['write', 'celery beat starts the scheduler'],
  multi: ['write', 'celery multi starts or stops workers'],
  flower: ['write', 'celery flower starts a web server'],
  migrate: ['write', 'celery migrate moves tasks between brokers'],
  upgrade: ['write', 'celery upgrade rewrites settings'],
  shell: ['unknown', 'celery shell opens an interactive shell'],
  amqp: ['unknown', 'celery amqp runs broker commands'],
};

const CELERY_OPTIONS = new Set(['-A', '--app', '-b', '--broker', '--result-backend', '--workdir', '-C', '--config', '-d', '--destination', '-t', '--timeout', '-Q', '--queues', '-l', '--loglevel', '-c', '--concurrency']);

/** celery by sub-command; `control` by its action (`shutdown` stops workers). */
export function celeryVerdict(args: string[]): Verdict {
  const pos = positionals(args, CELERY_OPTIONS);
  const sub = pos[0] ?? '';
  if (sub === 'control') {
    const action = pos[1] ?? '';
    if (/^(shutdown|shutdown_beat)$/.test(action)) return verdict('write', `celery control ${action} stops workers`, 'celery');
    return verdict('write', `celery control ${action} changes running workers`, 'celery');
  }
  const known = own(CELERY, sub);
  if (known) return verdict(known[0], known[1], 'celery');
  return verdict('unknown', `celery ${sub} is not a sub-command opsbook knows`, 'celery');
}
