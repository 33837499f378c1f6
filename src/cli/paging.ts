/** One page of a paged list: its items, and the cursor of the page after it (none after the last). */
export interface Page<T> {
  items: T[];
  next?: string | undefined;
}

/**
 * Reads a paged list (the API's, or the store's) page after page until `limit` items, or all of them
 * with Infinity: a command shows what was asked for, not what one page holds. A page may hold fewer
 * items than asked (a team's view filters it) and still have a next one.
 */
export async function readPages<T>(limit: number, pageSize: number, page: (size: number, before: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let before: string | undefined;
  while (out.length < limit) {
    const p = await page(Math.min(pageSize, limit - out.length), before);
    out.push(...p.items);
    if (p.next === undefined || p.next === before) break;
    before = p.next;
  }
  return out;
}

/** A store page's cursor: the last item's id when the page came back full, so there may be more. */
export function nextOf<T extends { id: string }>(items: readonly T[], size: number): string | undefined {
  return items.length === size ? items.at(-1)?.id : undefined;
}
