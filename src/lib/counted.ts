/** `n` and its noun, singular for one: "1 table", "2 tables", "0 checklists". `many` when adding an s is wrong. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
