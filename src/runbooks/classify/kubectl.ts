import type { Effect } from '../model.js';
import { afterPositionals, positionals } from './args.js';
import { verdict, type Verdict } from './effect.js';
import { own as ownKey } from '../../lib/own.js';

const GLOBAL_VALUE_OPTIONS = new Set([
  '--as', '--image', '--node-name', '--to', '--pod-selector', '--chunk-size',
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

/** `oc adm` sub-commands: what reads, what changes nodes or policy, what removes. */
const OC_ADM: Record<string, [Effect, string]> = {
  top: ['read', 'oc adm top only reads'],
  inspect: ['read', 'oc adm inspect only reads (it writes a local copy)'],
  'must-gather': ['read', 'oc adm must-gather collects diagnostics'],
  'node-logs': ['read', 'oc adm node-logs only reads'],
  release: ['read', 'oc adm release info only reads'],
  'who-can': ['read', 'oc adm policy who-can only reads'],
  cordon: ['write', 'oc adm cordon stops scheduling on a node'],
  uncordon: ['write', 'oc adm uncordon resumes scheduling on a node'],
  drain: ['write', 'oc adm drain evicts every pod from a node'],
  taint: ['write', 'oc adm taint changes node taints'],
  policy: ['write', 'oc adm policy changes who may do what'],
  certificate: ['write', 'oc adm certificate approves or denies a request'],
  'reboot-machine-config-pool': ['write', 'oc adm reboot-machine-config-pool reboots every node of a pool'],
  'restart-kubelet': ['write', 'oc adm restart-kubelet restarts kubelets'],
  'create-bootstrap-project-template': ['read', 'oc adm create-bootstrap-project-template only prints'],
  groups: ['write', 'oc adm groups changes groups'],
  'new-project': ['write', 'oc adm new-project adds a project'],
  'pod-network': ['write', 'oc adm pod-network changes project networking'],
  'upgrade': ['write', 'oc adm upgrade starts a cluster upgrade'],
  prune: ['destructive', 'oc adm prune deletes images, builds or deployments'],
  'delete-node': ['destructive', 'oc adm delete-node removes a node'],
};

/** Draining with `--delete-emptydir-data` (or the older `--delete-local-data`) throws away pods' local data. */
function drainVerdict(own: string[], name: string, base: [Effect, string]): Verdict {
  if (own.some((a) => /^--(delete-emptydir-data|delete-local-data)(=true)?$/.test(a))) return verdict('destructive', `${name} drain --delete-emptydir-data evicts every pod and deletes their emptyDir data`, 'kubectl');
  if (own.some((a) => a === '--force' || a === '--force=true')) return verdict('destructive', `${name} drain --force deletes pods no controller will recreate`, 'kubectl');
  return verdict(base[0], base[1], 'kubectl');
}

function ocAdm(own: string[], pos: string[]): Verdict {
  const sub = pos[1] ?? '';
  if (sub === 'drain') return drainVerdict(own, 'oc adm', OC_ADM.drain!);
  if (sub === 'upgrade' && !own.some((a) => /^--(to|to-latest|to-image|clear)\b/.test(a))) return verdict('read', 'oc adm upgrade without --to only shows the available updates', 'kubectl');
  if (sub === 'policy' && pos[2] === 'who-can') return verdict('read', 'oc adm policy who-can only reads', 'kubectl');
  if (sub === 'prune' && !own.some((a) => /^--confirm(=true)?$/.test(a))) return verdict('read', 'oc adm prune without --confirm only lists what it would delete', 'kubectl');
  const known = ownKey(OC_ADM, sub);
  return known ? verdict(known[0], known[1], 'kubectl') : verdict('unknown', `oc adm ${sub} is not a sub-command opsbook knows`, 'kubectl');
}

/** The verdict of a command run inside a pod or node: what it does, said to happen there. */
function inside(name: string, words: string[], inner: (words: string[]) => Verdict): Verdict {
  if (words.length === 0) return verdict('unknown', `${name} opens an interactive shell`, 'kubectl');
  const v = inner(words);
  return { ...v, reasons: [`${name} runs a command inside a pod`, ...v.reasons.map((r) => `inside: ${r}`)], target: 'kubectl' };
}

/**
 * kubectl (and oc) by verb. `exec`, `oc rsh` and `oc debug … -- CMD` run a command inside a pod or
 * node: they are as dangerous as the command they run (classified by `inner`).
 */
export function kubectlVerdict(args: string[], inner: (words: string[]) => Verdict, program = 'kubectl'): Verdict {
  const dashdash = args.indexOf('--');
  const own = dashdash >= 0 ? args.slice(0, dashdash) : args;
  const after = dashdash >= 0 ? args.slice(dashdash + 1) : [];
  const pos = positionals(own, GLOBAL_VALUE_OPTIONS);
  const verb = pos[0] ?? '';
  if (verb === 'exec') return inside(`${program} exec`, after, inner);
  if (program === 'oc' && verb === 'rsh') return inside('oc rsh', after.length ? after : afterPositionals(own, 2, GLOBAL_VALUE_OPTIONS), inner);
  if (program === 'oc' && verb === 'debug') {
    // `oc debug node/x -- chroot /host CMD`: the command runs on the node.
    const words = after[0] === 'chroot' ? after.slice(2) : after;
    if (words.length === 0) return verdict('write', 'oc debug starts a debug pod with a shell', 'kubectl');
    const v = inner(words);
    return { ...v, reasons: ['oc debug runs a command in a debug pod', ...v.reasons.map((r) => `inside: ${r}`)], target: 'kubectl' };
  }
  if (program === 'oc' && verb === 'adm') return ocAdm(own, pos);
  if (verb === 'drain') return drainVerdict(own, program, VERBS.drain!);
  if (verb === 'rollout') {
    const sub = ownKey(ROLLOUT, pos[1] ?? '');
    return sub ? verdict(sub[0], sub[1], 'kubectl') : verdict('unknown', `kubectl rollout ${pos[1] ?? ''} is not known`, 'kubectl');
  }
  if (verb === 'config') {
    const sub = pos[1] ?? '';
    return /^(view|get-|current-context)/.test(sub) ? verdict('read', `kubectl config ${sub} only reads`, 'kubectl') : verdict('write', `kubectl config ${sub} changes the local kubeconfig`, 'kubectl');
  }
  if (program === 'oc' && /^(status|whoami|project|projects|observe)$/.test(verb) && !(verb === 'project' && pos[1])) return verdict('read', `oc ${verb} only reads`, 'kubectl');
  if (program === 'oc' && verb === 'project') return verdict('write', 'oc project switches the current project', 'kubectl');
  if (verb === 'replace' && own.includes('--force')) return verdict('destructive', 'kubectl replace --force deletes and recreates objects', 'kubectl');
  const known = ownKey(VERBS, verb);
  if (known) return verdict(known[0], known[1], 'kubectl');
  return verdict('unknown', verb ? `kubectl ${verb} is not a verb opsbook knows` : 'kubectl with no verb', 'kubectl');
}
