/**
 * The pairing of rows with columns that maximises the summed weight, each row and each column used at
 * most once (the Hungarian method). `weight(r, c)` is undefined where a row may not take that column;
 * a row may stay unpaired. Pairing in row order instead lets an early row take the column a later row
 * needed, and with equal weights the first row wins whatever the rest would lose.
 */
export function bestPairing(rows: number, cols: number, weight: (r: number, c: number) => number | undefined): (number | undefined)[] {
  if (rows === 0) return [];
  // Columns past `cols` are "unpaired", one per row, worth nothing.
  const m = cols + rows;
  const FORBIDDEN = 1e12;
  const cost = (r: number, c: number): number => {
    if (c >= cols) return 0;
    const w = weight(r, c);
    return w === undefined ? FORBIDDEN : -w;
  };
  // Potentials and the row each column holds, 1-based with 0 as the virtual start (e-maxx's form).
  const u = new Array<number>(rows + 1).fill(0);
  const v = new Array<number>(m + 1).fill(0);
  const holder = new Array<number>(m + 1).fill(0);
  const way = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= rows; i++) {
    holder[0] = i;
    let j0 = 0;
    const minv = new Array<number>(m + 1).fill(Infinity);
    const used = new Array<boolean>(m + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = holder[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[holder[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (holder[j0] !== 0);
    do {
      const j1 = way[j0]!;
      holder[j0] = holder[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Array<number | undefined>(rows).fill(undefined);
  for (let j = 1; j <= cols; j++) {
    const r = holder[j]!;
    if (r > 0 && weight(r - 1, j - 1) !== undefined) out[r - 1] = j - 1;
  }
  return out;
}
