import { positionals } from './args.js';
import { verdict, type Verdict } from './effect.js';

const AWS_VALUE_OPTIONS = new Set(['--region', '--profile', '--output', '--endpoint-url', '--query', '--color', '--cli-read-timeout', '--cli-connect-timeout']);

/** aws by operation name: describe-/list-/get- read, delete-/terminate- destroy, the rest write. */
export function awsVerdict(args: string[]): Verdict {
  const [service = '', operation = ''] = positionals(args, AWS_VALUE_OPTIONS);
  const what = `aws ${service} ${operation}`.trim();
  if (service === 's3') {
    if (operation === 'ls') return verdict('read', `${what} only lists`, 'aws');
    if (operation === 'rm' || operation === 'rb') return verdict('destructive', `${what} deletes objects`, 'aws');
    if (operation === 'sync' && args.includes('--delete')) return verdict('destructive', `${what} --delete removes objects missing at the source`, 'aws');
    if (/^(cp|mv|sync|mb|presign|website)$/.test(operation)) return verdict('write', `${what} writes objects`, 'aws');
  }
  if (/^(describe|list|get|head|batch-get|lookup|search|scan|query|wait|validate|estimate|preview)(-|$)/.test(operation)) return verdict('read', `${what} only reads`, 'aws');
  if (/^(delete|terminate|remove-tags|purge|destroy|deregister-image|revoke)(-|$)/.test(operation)) return verdict('destructive', `${what} deletes resources`, 'aws');
  if (/^(create|modify|update|put|register|deregister|start|stop|reboot|run|attach|detach|associate|disassociate|set|tag|untag|add|remove|enable|disable|restore|copy|import|promote|failover|reset|invoke|send|publish|authorize|apply|execute|change|replace|increase|decrease|reset)(-|$)/.test(operation)) {
    return verdict('write', `${what} changes resources`, 'aws');
  }
  return verdict('unknown', `${what} is not an operation opsbook knows`, 'aws');
}

const MC_OPTIONS = new Set(['--older-than', '--newer-than', '--name', '--exec', '--storage-class', '--transition-days', '--expiry-days', '--larger', '--smaller', '--config-dir']);

/** MinIO client by sub-command; `mc find --exec` is as dangerous as what it runs. */
export function mcVerdict(args: string[], inner: (text: string) => Verdict): Verdict {
  const pos = positionals(args, MC_OPTIONS);
  const sub = pos[0] ?? '';
  if (sub === 'find') {
    const i = args.indexOf('--exec');
    if (i >= 0) {
      const v = inner(args[i + 1] ?? '');
      return { ...v, target: 'minio', reasons: [`mc find --exec runs \`${args[i + 1] ?? ''}\` on every match`, ...v.reasons] };
    }
    return verdict('read', 'mc find only lists', 'minio');
  }
  if (sub === 'ilm' || sub === 'admin' || sub === 'policy' || sub === 'tag' || sub === 'version' || sub === 'retention' || sub === 'anonymous' || sub === 'event') {
    const action = pos[1] ?? '';
    if (/^(ls|list|info|get|export|status|trace|top|logs|prometheus)$/.test(action)) return verdict('read', `mc ${sub} ${action} only reads`, 'minio');
    if (/^(rm|remove|delete|clear)$/.test(action)) return verdict('destructive', `mc ${sub} ${action} removes configuration`, 'minio');
    return verdict('write', `mc ${sub} ${action} changes configuration`, 'minio');
  }
  if (/^(ls|du|cat|head|stat|diff|tree|ping|ready|alias|od)$/.test(sub)) return verdict('read', `mc ${sub} only reads`, 'minio');
  if (sub === 'rm') return verdict('destructive', 'mc rm deletes objects', 'minio');
  if (sub === 'rb') return verdict('destructive', 'mc rb deletes a bucket', 'minio');
  if (/^(cp|mv|mb|mirror|pipe|put|retention|legalhold|undo|encrypt)$/.test(sub)) return verdict('write', `mc ${sub} writes objects`, 'minio');
  return verdict('unknown', `mc ${sub} is not a sub-command opsbook knows`, 'minio');
}
