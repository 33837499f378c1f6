import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/**
 * The entries of a finished config that its author marks as not stated by the runbook, with why:
 * a comment line `# not in the runbook: WHY` above the entry (or after it, on its line). `--compare`
 * leaves them out of its totals and lists them, because import cannot read what the runbook does not
 * say: a pager for the game-day world, an endpoint only a stand-in serves, a response time the ladder
 * does not give.
 *
 * Keys: `checks/ID`, `rules/ID`, `severities/ID`, `slos/ID`, `escalation_policies/ID/steps/N` (N from 1),
 * and `checks/ID/warning` or `checks/ID/critical` for one level of a check the runbook states (the
 * comment on the level's own line): the check counts, that level is left open; `rules/ID/severity` for
 * a severity the runbook does not give that rule: the rule counts, its severity is not stated;
 * `rules/ID/condition` for a bound the runbook does not give: the rule counts, its bound is left open.
 */
export function notInRunbook(configText: string): Map<string, string> {
  const out = new Map<string, string>();
  const doc = parseDocument(configText);
  if (!isMap(doc.contents)) return out;
  const reason = (...comments: (string | null | undefined)[]): string | undefined => {
    for (const c of comments) {
      const m = /^\s*not in the runbook:\s*(.+)$/im.exec(c ?? '');
      if (m) return m[1]!.trim();
    }
    return undefined;
  };
  const idOf = (n: unknown): string | undefined => {
    if (!isMap(n)) return undefined;
    const v = n.get('id', true);
    return isScalar(v) ? String(v.value) : undefined;
  };
  /** An item's own comments; the first item's comment above lands on its list. */
  const marks = (list: Node, item: Node, i: number): string | undefined => {
    const pairs = isMap(item) ? item.items : [];
    const first = pairs[0];
    return reason(item.commentBefore, item.comment, i === 0 ? list.commentBefore : undefined, isScalar(first?.key) ? first.key.commentBefore : undefined, isScalar(first?.value) ? first.value.comment : undefined);
  };
  for (const section of ['checks', 'rules', 'severities', 'slos', 'escalation_policies']) {
    const list = doc.contents.get(section, true);
    if (!isSeq(list)) continue;
    list.items.forEach((item, i) => {
      const id = idOf(item);
      if (id === undefined || !isMap(item)) return;
      const why = marks(list, item, i);
      if (why !== undefined && section !== 'escalation_policies') out.set(`${section}/${id}`, why);
      if (section === 'rules') {
        // A severity the runbook does not give to this rule, marked on its own line.
        const pair = item.items.find((x) => isScalar(x.key) && x.key.value === 'severity');
        const sevWhy = pair && reason(isScalar(pair.key) ? pair.key.commentBefore : undefined, isScalar(pair.value) || isMap(pair.value) ? pair.value.comment : undefined);
        if (sevWhy !== undefined) out.set(`${section}/${id}/severity`, sevWhy);
        // A condition whose bound the runbook does not give (a share of a capacity it does not state).
        const cond = item.items.find((x) => isScalar(x.key) && x.key.value === 'condition');
        const condWhy = cond && reason(isScalar(cond.key) ? cond.key.commentBefore : undefined, isScalar(cond.value) ? cond.value.comment : undefined);
        if (condWhy !== undefined) out.set(`${section}/${id}/condition`, condWhy);
      }
      if (section === 'checks') {
        // A level the runbook does not give, marked on its own line: `warning: … # not in the runbook: …`.
        for (const pair of item.items.slice(1)) {
          const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
          const levelWhy = reason(isScalar(pair.key) ? pair.key.commentBefore : undefined, isScalar(pair.value) || isSeq(pair.value) ? pair.value.comment : undefined);
          if ((key === 'warning' || key === 'critical') && levelWhy !== undefined) out.set(`${section}/${id}/${key}`, levelWhy);
        }
      }
      if (section !== 'escalation_policies') return;
      const steps = item.get('steps', true);
      if (!isSeq(steps)) return;
      steps.items.forEach((step, n) => {
        const stepWhy = isMap(step) ? marks(steps, step, n) : undefined;
        if (stepWhy !== undefined) out.set(`${section}/${id}/steps/${n + 1}`, stepWhy);
      });
    });
  }
  return out;
}
