import type { RawResultRow } from '../../store/index.js';
import { html, type Html } from './html.js';

const SLOT = 3;
const GAP = 1;
const HEIGHT = 16;

function resultClass(r: RawResultRow): string {
  if (r.unknown) return 'bar-unknown';
  if (r.down || r.level >= 2) return 'bar-major';
  return r.level === 1 ? 'bar-minor' : 'bar-ok';
}

function resultWord(r: RawResultRow): string {
  if (r.unknown) return 'unknown';
  if (r.down) return 'down';
  return r.level >= 2 ? 'critical' : r.level === 1 ? 'warning' : 'up';
}

/** What one result's tooltip says: when, what it was, what it measured, why it failed. */
export function resultText(r: RawResultRow): string {
  const at = new Date(r.at).toISOString().slice(0, 19).replace('T', ' ');
  const parts = [`${at} UTC`, r.unknown ? 'unknown (opsbook was too slow to time this run)' : resultWord(r), `${Math.round(r.latencyMs)} ms`];
  if (r.value !== null) parts.push(`value ${r.value}`);
  if (r.error) parts.push(r.error);
  return parts.join(' · ');
}

/**
 * The last `slots` results, oldest left, newest right, one bar each coloured by state, with a
 * tooltip per bar; slots before the first result stay grey. The accessible name counts failures.
 */
export function historyBar(results: readonly RawResultRow[], slots: number, label: string): Html {
  const shown = results.slice(-slots);
  const offset = slots - shown.length;
  const rects = shown.map(
    (r, i) => html`<rect x="${(offset + i) * (SLOT + GAP)}" y="0" width="${SLOT}" height="${HEIGHT}" class="${resultClass(r)}" data-state="${resultWord(r)}"><title>${resultText(r)}</title></rect>`,
  );
  const empty = offset > 0 ? html`<rect x="0" y="${HEIGHT / 2 - 1}" width="${offset * (SLOT + GAP) - GAP}" height="2" class="bar-none"/>` : '';
  const failed = shown.filter((r) => !r.unknown && (r.down || r.level > 0)).length;
  const name = shown.length === 0 ? `${label}: no results yet` : `${label}: last ${shown.length} results, ${failed} failed, latest ${resultWord(shown[shown.length - 1]!)}`;
  return html`<svg class="history" viewBox="0 0 ${slots * (SLOT + GAP) - GAP} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${name}">${empty}${rects}</svg>`;
}
