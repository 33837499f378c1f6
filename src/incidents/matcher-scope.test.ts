import { describe, expect, it } from 'vitest';
import { emptyValueProblem, matchAllProblem, narrows } from './matcher-scope.js';
import { matcherMatches } from './suppression.js';

describe('what a matcher takes in', () => {
  it('reads a missing label as "", so team="" matches every incident without a team label (as in Alertmanager)', () => {
    expect(matcherMatches({ label: 'team', op: '=', value: '' }, { service: 'api' })).toBe(true);
    expect(matcherMatches({ label: 'team', op: '=', value: '' }, { service: 'api', team: 'db' })).toBe(false);
  });

  it('refuses an empty value for = and !=, pointing at the regex that says it', () => {
    expect(emptyValueProblem({ label: 'team', op: '=', value: '' })).toMatch(/every incident without a "team" label; to mean that, write op !~ with value "\.\+"/);
    expect(emptyValueProblem({ label: 'team', op: '!=', value: '' })).toMatch(/write op =~ with value "\.\+"/);
    expect(emptyValueProblem({ label: 'team', op: '=~', value: '' })).toBeUndefined();
  });

  it('takes a scope as narrowed only when one matcher fails an incident without its label', () => {
    expect(narrows({ label: 'service', op: '=', value: 'api' })).toBe(true);
    expect(narrows({ label: 'service', op: '=~', value: '.+' })).toBe(true);
    for (const m of [{ label: 'service', op: '!=', value: 'db' }, { label: 'service', op: '=~', value: '.*' }, { label: 'team', op: '!~', value: '.+' }] as const) expect(narrows(m)).toBe(false);
    expect(matchAllProblem([])).toMatch(/none would silence every incident/);
    expect(matchAllProblem([{ label: 'service', op: '!=', value: 'db' }])).toMatch(/at least one matcher an incident without that label fails/);
    expect(matchAllProblem([{ label: 'service', op: '!=', value: 'db' }, { label: 'env', op: '=', value: 'prod' }])).toBeUndefined();
  });
});
