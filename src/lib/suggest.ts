/**
 * ` (did you mean "api"?)` for a name close to one of `known` (at most a third of its letters
 * off, one at least from three letters on; neighbours swapped count once), else nothing: for a
 * reference to an id that does not exist.
 */
export function didYouMean(name: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  // An id of one or two characters (P1, P9) is near every other: none is suggested for it.
  return best !== undefined && bestDistance <= Math.max(best.length >= 3 ? 1 : 0, Math.floor(best.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

/** Edit distance where swapping two neighbours counts as one edit (`prot` → `port`). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
