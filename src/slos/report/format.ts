import { formatDuration } from '../../lib/duration.js';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** 0.99912 → "99.912%"; undefined → "–". */
export function pct(v: number | undefined | null, digits = 3): string {
  if (v === undefined || v === null) return '–';
  return `${(v * 100).toFixed(digits).replace(/\.?0+$/, '')}%`;
}

/** A duration in ms, rounded to what a reader needs: "4m 30s" style from lib/duration, "–" for none. */
export function dur(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const rounded = ms >= 3_600_000 ? Math.round(ms / 60_000) * 60_000 : Math.round(ms / 1000) * 1000;
  return formatDuration(rounded);
}

export function day(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

export function instant(at: number): string {
  return new Date(at).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}
