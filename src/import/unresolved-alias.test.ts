/**
 * YAML in a runbook's code blocks that parses but names an anchor it never sets (`*name`, as
 * `**bold**` reads to YAML) is skipped like YAML that does not parse: the import goes on.
 */
import { describe, expect, it } from 'vitest';
import { propose } from './index.js';

const RUNBOOK = `# Orders

## Capacity

\`\`\`yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
spec:
  scaleTargetRef: { name: *web }
  minReplicas: 4
  maxReplicas: 12
\`\`\`

## Health

\`\`\`yaml
livenessProbe:
  httpGet: { path: /healthz, port: *port }
  periodSeconds: 10
\`\`\`
`;

describe('import: YAML blocks with an alias that names no anchor', () => {
  it('are skipped, and the rest of the runbook is imported', () => {
    const { items } = propose([{ text: RUNBOOK, ref: 'orders.md' }]);
    expect(items.some((i) => i.section === 'services')).toBe(true);
    expect(items.filter((i) => i.section === 'checks' && /replicas$/.test(i.id))).toEqual([]);
  });

  it('reads a Prometheus rule’s aliased labels as the anchor’s, and skips a rules block whose alias names no anchor', () => {
    const block = (labels: string) => `# Payments\n\n## Alerts\n\n\`\`\`yaml\ngroups:\n  - name: payments\n    rules:\n${labels}\n\`\`\`\n`;
    const anchored = propose([{ text: block('      - alert: PaymentsDown\n        expr: up{job="payments"} == 0\n        labels: &common { team: payments, severity: critical }\n      - alert: PaymentsSlow\n        expr: up{job="payments"} < 1\n        labels: *common'), ref: 'payments.md' }]);
    expect(anchored.prometheusRules.map((r) => [r.name, (r.rule as { labels?: { team?: string } }).labels?.team])).toEqual([
      ['PaymentsDown', 'payments'],
      ['PaymentsSlow', 'payments'],
    ]);
    const unresolved = propose([{ text: block('      - alert: PaymentsDown\n        expr: up{job="payments"} == 0\n        labels: *common'), ref: 'payments.md' }]);
    expect(unresolved.prometheusRules).toEqual([]);
  });
});
