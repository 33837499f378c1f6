import { describe, expect, it } from 'vitest';
import { propose, type Item } from './index.js';

const RUNBOOK = `# Orders

| Severity | Description | Response Time |
|---|---|---|
| SEV1 | Outage | 15 min |
| SEV2 | Degraded | 1 hour |
| SEV3 | Minor | 1 day |

## Capacity

### Web tier

\`\`\`yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: orders-web
spec:
  scaleTargetRef:
    kind: Deployment
    name: orders-web
  minReplicas: 4
  maxReplicas: 12
\`\`\`

### Consumers

\`\`\`yml
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: orders-consumer
spec:
  scaleTargetRef:
    name: orders-consumer
  maxReplicaCount: 6
  triggers:
    - type: kafka
\`\`\`
`;

const checks = (items: Item[]): Item[] => items.filter((i) => i.section === 'checks');

describe('import: an autoscaler’s bounds', () => {
  it('are warning levels on the target’s available and desired replicas, the metric left open', () => {
    const { items, todos } = propose([{ text: RUNBOOK, ref: 'orders.md' }]);
    const levels = checks(items)
      .filter((c) => /replicas$/.test(c.id))
      .map((c) => [c.id, c.body.warning]);
    // KEDA's minimum defaults to 0 (scale to zero): no floor for the consumers.
    expect(levels).toEqual([
      ['orders-orders-web-available-replicas', '[VALUE] < 4'],
      ['orders-orders-web-desired-replicas', '[VALUE] >= 12'],
      ['orders-orders-consumer-desired-replicas', '[VALUE] >= 6'],
    ]);
    for (const c of checks(items).filter((x) => /replicas$/.test(x.id))) expect(String(c.body.gauge)).toMatch(/^\$\{TODO_/);
    expect(todos.some((t) => t.hint.includes('kube_deployment_status_replicas_available{deployment="orders-web"}'))).toBe(true);
  });

  it('pages nobody: the runbook states no severity, so each level rule is the least urgent', () => {
    const { items } = propose([{ text: RUNBOOK, ref: 'orders.md' }]);
    const ids = new Set(checks(items).filter((c) => /replicas$/.test(c.id)).map((c) => c.id));
    const rules = items.filter((i) => i.section === 'rules' && ids.has(String(i.body.check)));
    expect(rules.length).toBe(ids.size);
    for (const r of rules) {
      expect(r.body.condition).toBeUndefined();
      expect(r.body.severity).toEqual({ warning: 'SEV3', critical: 'SEV3' });
    }
  });

  it('reads nothing from YAML that is not an autoscaler, or that does not parse', () => {
    const other = RUNBOOK.replace(/HorizontalPodAutoscaler/, 'Deployment').replace('kind: ScaledObject', 'kind: ScaledObject\n  : : bad');
    expect(checks(propose([{ text: other, ref: 'orders.md' }]).items).filter((c) => /replicas$/.test(c.id))).toEqual([]);
  });
});
