import type { Effect } from '../model.js';
import { positionals } from './args.js';
import { verdict, worse, type Verdict } from './effect.js';
import { own as ownKey } from './lookup.js';

const GLOBAL_VALUE_OPTIONS = new Set([
  '-n', '--namespace', '--context', '--kubeconfig', '--cluster', '--user', '-s', '--server', '--token', '-l', '--selector',
  '-o', '--output', '-c', '--container', '-f', '--filename', '--tail', '--since', '-p', '--patch', '--type', '--replicas',
  '--timeout', '--for', '--field-selector', '-L', '--sort-by', '--grace-period',
]);

const VERBS: Record<string, [Effect, string]> = {
  get: ['read', 'kubectl get only reads'],
  describe: ['read', 'kubectl describe only reads'],
  logs: ['read', 'kubectl logs only reads'],
  top: ['read', 'kubectl top only reads'],
  explain: ['read', 'kubectl explain only reads'],
  events: ['read', 'kubectl events only reads'],
  version: ['read', 'kubectl version only reads'],
  'cluster-info': ['read', 'kubectl cluster-info only reads'],
  'api-resources': ['read', 'kubectl api-resources only reads'],
  'api-versions': ['read', 'kubectl api-versions only reads'],
  wait: ['read', 'kubectl wait only watches'],
  diff: ['read', 'kubectl diff only compares'],
  auth: ['read', 'kubectl auth only checks permissions'],
  'port-forward': ['read', 'kubectl port-forward opens a local tunnel'],
  scale: ['write', 'kubectl scale changes the replica count'],
  set: ['write', 'kubectl set changes a workload (a new rollout)'],
  apply: ['write', 'kubectl apply changes cluster objects'],
  patch: ['write', 'kubectl patch changes a cluster object'],
  edit: ['write', 'kubectl edit changes a cluster object'],
  create: ['write', 'kubectl create adds cluster objects'],
  replace: ['write', 'kubectl replace changes cluster objects'],
  label: ['write', 'kubectl label changes labels'],
  annotate: ['write', 'kubectl annotate changes annotations'],
  expose: ['write', 'kubectl expose adds a service'],
  autoscale: ['write', 'kubectl autoscale adds an autoscaler'],
  run: ['write', 'kubectl run starts a pod'],
  cp: ['write', 'kubectl cp copies files'],
  cordon: ['write', 'kubectl cordon stops scheduling on a node'],
  uncordon: ['write', 'kubectl uncordon resumes scheduling on a node'],
  drain: ['write', 'kubectl drain evicts every pod from a node'],
  taint: ['write', 'kubectl taint changes node taints'],
  certificate: ['write', 'kubectl certificate approves or denies a request'],
  delete: ['destructive', 'kubectl delete removes cluster objects'],
};

const ROLLOUT: Record<string, [Effect, string]> = {
  status: ['read', 'kubectl rollout status only watches'],
  history: ['read', 'kubectl rollout history only reads'],
  restart: ['write', 'kubectl rollout restart replaces every pod'],
  pause: ['write', 'kubectl rollout pause stops a rollout'],
  resume: ['write', 'kubectl rollout resume continues a rollout'],
  undo: ['write', 'kubectl rollout undo rolls back to the previous revision: a new rollout, reversible by another undo'],
};

/**
 * kubectl by verb. `exec` runs a command inside a pod: at least a write, and as dangerous as the
 * command it runs (classified by `inner`).
 */
export function kubectlVerdict(args: string[], inner: (words: string[]) => Verdict): Verdict {
  const dashdash = args.indexOf('--');
  const own = dashdash >= 0 ? args.slice(0, dashdash) : args;
  const pos = positionals(own, GLOBAL_VALUE_OPTIONS);
  const verb = pos[0] ?? '';
  if (verb === 'exec') {
    const inside = dashdash >= 0 ? args.slice(dashdash + 1) : [];
    const base = verdict('write', 'kubectl exec runs a command inside a pod', 'kubectl');
    if (inside.length === 0) return base;
    const v = inner(inside);
    return { effect: worse('write', v.effect), reasons: [...base.reasons, ...v.reasons], target: 'kubectl' };
  }
  if (verb === 'rollout') {
    const sub = ownKey(ROLLOUT, pos[1] ?? '');
    return sub ? verdict(sub[0], sub[1], 'kubectl') : verdict('unknown', `kubectl rollout ${pos[1] ?? ''} is not known`, 'kubectl');
  }
  if (verb === 'config') {
    const sub = pos[1] ?? '';
    return /^(view|get-|current-context)/.test(sub) ? verdict('read', `kubectl config ${sub} only reads`, 'kubectl') : verdict('write', `kubectl config ${sub} changes the local kubeconfig`, 'kubectl');
  }
  if (verb === 'replace' && own.includes('--force')) return verdict('destructive', 'kubectl replace --force deletes and recreates objects', 'kubectl');
  const known = ownKey(VERBS, verb);
  if (known) return verdict(known[0], known[1], 'kubectl');
  return verdict('unknown', verb ? `kubectl ${verb} is not a verb opsbook knows` : 'kubectl with no verb', 'kubectl');
}
