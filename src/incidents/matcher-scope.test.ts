import { describe, expect, it } from 'vitest';
import { emptyValueProblem, matchAllProblem, narrows, tooBroadWarning } from './matcher-scope.js';
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

  it('warns of a stored silence a new one may not be, saying what it takes in, and of no other', () => {
    expect(tooBroadWarning([{ label: 'team', op: '=', value: '' }])).toMatch(/team="" matches every incident without a "team" label; an incident without the labels its matchers name passes them all/);
    expect(tooBroadWarning([{ label: 'service', op: '=', value: 'web' }, { label: 'team', op: '!=', value: '' }])).toMatch(/^takes in more than opsbook accepts now .*team!="" matches every incident with a "team" label\. To narrow it/);
    expect(tooBroadWarning([])).toMatch(/with no matcher it holds every incident/);
    expect(tooBroadWarning([{ label: 'service', op: '=~', value: '.*' }])).toMatch(/holds every such incident/);
    expect(tooBroadWarning([{ label: 'service', op: '=', value: 'web' }, { label: 'team', op: '!~', value: '.+' }])).toBeUndefined();
  });
});
