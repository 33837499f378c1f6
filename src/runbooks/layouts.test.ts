import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbook, PhaseReader, type Runbook } from './index.js';

const layouts = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/layouts');
const read = (file: string, phases?: ConstructorParameters<typeof PhaseReader>[0]): Runbook =>
  parseRunbook(readFileSync(path.join(layouts, file), 'utf8'), { file: `runbooks/${file}`, ...(phases ? { phases } : {}) });

/** Each phase as `kind(+also):label:step lines`. */
function outline(rb: Runbook): string[] {
  return rb.procedures.flatMap((p) => p.phases.map((ph) => `${[ph.kind, ...(ph.also ?? [])].join('+')}:${ph.label}:${ph.steps.map((s) => s.line).join(',')}`));
}

describe('runbook layouts found in the wild', () => {
  it('Meaning / Impact / Diagnosis / Mitigation with the title in front matter and no H1 is one procedure', () => {
    const rb = read('queue-backlog-meaning.md');
    expect(rb.title).toBe('QueueBacklogGrowing');
    expect(rb.procedures.map((p) => [p.id, p.title])).toEqual([['queuebackloggrowing', 'QueueBacklogGrowing']]);
    expect(outline(rb)).toEqual([
      'symptoms:Meaning:',
      'impact:Impact:',
      'diagnosis:Diagnosis:19,31,36',
      'resolution:Mitigation:40,44,52',
    ]);
    // "Related alerts" is a note: its list is not a step of the mitigation.
    expect(rb.procedures[0]!.phases.at(-1)!.steps.map((s) => s.text)).not.toContain('QueueConsumerDown');
    // Indented blocks are steps' blocks like fenced ones.
    expect(rb.procedures[0]!.phases[2]!.steps[1]!.blocks[0]).toMatchObject({ fenced: false, effect: 'read' });
  });

  it('a developer-docs alert page: Troubleshooting, Possible Resolutions, Verification; resources stay notes', () => {
    const rb = read('ledger-lag-gov.md');
    expect(rb.title).toBe('Ledger replication lag');
    expect(outline(rb)).toEqual([
      'diagnosis:Troubleshooting:13,20,30',
      'resolution:Possible Resolutions:40,46',
      'verification:Verification:54',
    ]);
  });

  it('"Diagnosis and mitigation" maps to both phases, each step to the one it belongs to; Notes stay notes', () => {
    const rb = read('checkout-errors-saas.md');
    expect(outline(rb)).toEqual([
      'symptoms:Overview:',
      'diagnosis+resolution:Diagnosis and mitigation:9,17',
      'resolution+diagnosis:Diagnosis and mitigation:23',
      'verification:Verification:31',
    ]);
    // The Notes section's block is a block of the runbook, not a step.
    expect(rb.blocks.some((b) => b.code.includes('-n egress'))).toBe(true);
    expect(rb.procedures[0]!.phases.flatMap((ph) => ph.steps.flatMap((s) => s.blocks)).some((b) => b.code.includes('-n egress'))).toBe(false);
  });

  it('Mitigating, Potential resolution steps and "Investigation & Triage" are phases', () => {
    expect(outline(read('cache-eviction-mitigating.md'))).toEqual([
      'diagnosis:Investigation & Triage:7',
      'resolution:Mitigating:22',
      'resolution:Potential resolution steps:28',
    ]);
  });

  it('the config extends the vocabulary: new words for a phase, and headings to keep as notes', () => {
    const text = '# Disk full\n\n## What we look at\n\n```bash\ndf -h\n```\n\n## Making room\n\n```bash\nrm -rf /var/tmp/cache\n```\n\n## Owners\n\n- storage team\n\n## War stories\n\n```bash\nls\n```\n';
    expect(outline(parseRunbook(text))).toEqual([]);
    const rb = parseRunbook(text, { phases: { diagnosis: ['What we look at'], resolution: ['making room'], notes: ['War stories'] } });
    expect(outline(rb)).toEqual(['diagnosis:What we look at:5', 'resolution:Making room:11']);
  });

  it('a "X and Y" heading whose parts are not both phases is no phase', () => {
    const reader = new PhaseReader();
    expect(reader.of('Symptoms and impact')).toMatchObject({ kind: 'symptoms', also: ['impact'] });
    expect(reader.of('Diagnosis / Mitigation')).toMatchObject({ kind: 'diagnosis', also: ['resolution'] });
    expect(reader.of('Scale up and restart')).toBeUndefined();
    expect(reader.of('Dashboards and links')).toBeUndefined();
  });

  it('title: the H1, else front matter title, else the file name', () => {
    expect(read('checkout-errors-saas.md').title).toBe('CheckoutErrorRateHigh');
    expect(read('ledger-lag-gov.md').title).toBe('Ledger replication lag');
    expect(parseRunbook('## Diagnosis\n\n```bash\nls\n```\n\n## Mitigation\n\n```bash\nrm x\n```\n', { file: 'runbooks/DiskFull.md' }).procedures.map((p) => p.title)).toEqual(['DiskFull']);
  });

  it('front matter with a key given twice keeps the last value and warns at its line', () => {
    const rb = read('ledger-lag-gov.md');
    expect(rb.frontMatter).toEqual({ title: 'Ledger replication lag', owner: 'ledger-team' });
    expect(rb.warnings).toEqual([{ code: 'front-matter-duplicate-key', line: 4, message: 'front matter key "owner" is given more than once; the last value is used' }]);
  });
});
