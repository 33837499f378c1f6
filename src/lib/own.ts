/**
 * A table lookup by a word someone typed (a command, a code fence's language, a variable name, a
 * config key). Only the table's own keys count: `toString`, `constructor` or `__proto__` must not
 * find Object.prototype's members.
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
