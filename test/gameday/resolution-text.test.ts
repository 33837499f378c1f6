import { describe, expect, it } from 'vitest';
import { stepSummary } from '../../src/gameday/resolution.js';

const command = (display: string) => ({ display }) as never;

describe('a resolution step in the game-day report', () => {
  it('is named by its first line of prose', () => {
    expect(stepSummary({ text: 'Restart the worker\nthen watch the queue', commands: [] })).toBe('Restart the worker');
  });
  it('skips blank leading lines', () => {
    expect(stepSummary({ text: '\n  \nFail over to the replica', commands: [] })).toBe('Fail over to the replica');
  });
  it('is named by its command when it has no prose (a code block alone)', () => {
    expect(stepSummary({ text: '', commands: [command('systemctl restart celery-worker')] })).toBe('systemctl restart celery-worker');
  });
  it('never leaves the parentheses empty', () => {
    expect(stepSummary({ text: '   ', commands: [] })).toBe('no text');
  });
  it('keeps a long line to 60 characters', () => {
    expect(stepSummary({ text: 'x'.repeat(100), commands: [] })).toHaveLength(60);
  });
});
