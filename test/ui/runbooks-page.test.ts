/**
 * The runbook pages of a runbook in which nothing reads as a procedure: they say so, and how
 * procedures are recognised, where the list of procedures would be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageAs, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

let h: UiHarness;
let viewer: SignedIn;

beforeAll(async () => {
  h = await startUi({
    yaml: 'runbooks: [runbooks/*.md]\n',
    files: {
      'runbooks/notes.md': '# Ledger notes\n\nThe ledger keeps entries.\n\n## History\n\nIt was written in 2019.\n',
      'runbooks/orders.md': '# Orders\n\n## RB-001: Orders down\n\n**Diagnosis:**\n\n1. Look\n\n```bash\necho hi\n```\n',
    },
  });
  viewer = await signIn(h.app, 'viewer-user');
});
afterAll(async () => {
  await h?.close();
});

const get = (url: string): Promise<string> => pageAs(h.app, viewer, url);

const SAID = 'No procedure found: no heading or bold label names a phase (Diagnosis, Mitigation…), and no section holds steps under a procedure title; add phase headings or extend runbooks.phases.';

describe('a runbook without procedures', () => {
  it('is listed on /runbooks with why it has none; one with procedures is not', async () => {
    const body = await get('/runbooks');
    const cards = body.split('<section class="card">').slice(1);
    const notes = cards.find((c) => c.includes('runbooks/notes.md'))!;
    const orders = cards.find((c) => c.includes('runbooks/orders.md'))!;
    expect(notes).toContain(SAID);
    expect(orders).not.toContain('No procedure found');
  });

  it('says so on its own page', async () => {
    expect(await get('/runbooks/view?file=runbooks%2Fnotes.md')).toContain(SAID);
  });
});
