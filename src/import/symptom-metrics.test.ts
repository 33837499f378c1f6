import { describe, expect, it } from 'vitest';
import { propose } from './index.js';

const RUNBOOK = `# Ledger

### Lock Contention

**Symptoms:**
- \`ledger_lock_waits\` metric climbing
- Slow writes

**Resolution:**
1. Restart the writer
`;

describe('import: a metric a symptom names', () => {
  it('is a gauge check linked to the procedure, with no level and a non-paging rule', () => {
    const proposal = propose([{ text: RUNBOOK, ref: 'ledger.md' }]);
    const check = proposal.items.find((i) => i.section === 'checks' && i.body.gauge === 'ledger_lock_waits');
    expect(check?.body).toMatchObject({ kind: 'metrics', runbook: 'ledger.md#lock-contention' });
    expect(check?.body.warning).toBeUndefined();
    expect(check?.body.critical).toBeUndefined();
    const rules = proposal.items.filter((i) => i.section === 'rules' && i.body.check === check?.id);
    expect(rules.every((r) => r.body.condition === undefined && r.body.severity !== 'P1')).toBe(true);
  });

  it('a code word not called a metric is not read as one', () => {
    const proposal = propose([{ text: RUNBOOK.replace('metric climbing', 'climbing'), ref: 'ledger.md' }]);
    expect(proposal.items.some((i) => i.section === 'checks' && i.body.gauge === 'ledger_lock_waits')).toBe(false);
  });

  it('"Set alert at 80% capacity" beside it is a rule at that share of a capacity left a TODO, paging nobody', () => {
    const text = RUNBOOK.replace('**Resolution:**', '**Prevention:**\n- Set alert at 80% capacity\n\n**Resolution:**');
    const proposal = propose([{ text, ref: 'ledger.md' }]);
    const rule = proposal.items.find((i) => i.section === 'rules' && /capacity$/.test(i.id));
    expect(rule?.body).toMatchObject({ condition: 'value >= ${TODO_LEDGER_LEDGER_LOCK_WAITS_ALERT_AT}', severity: 'P4', runbook: 'ledger.md#lock-contention' });
    expect(proposal.todos.find((t) => t.name === 'TODO_LEDGER_LEDGER_LOCK_WAITS_ALERT_AT')?.hint).toContain('80% of the capacity of ledger_lock_waits');
    // Without the share of a capacity, no rule.
    const other = propose([{ text: text.replace('80% capacity', 'a sensible level'), ref: 'ledger.md' }]);
    expect(other.items.some((i) => i.section === 'rules' && /capacity$/.test(i.id))).toBe(false);
  });
});
