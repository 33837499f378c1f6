/**
 * A table lookup by a word read from a runbook. Only the table's own keys count: a command word
 * such as `toString` or `constructor` must not find Object.prototype's members.
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
