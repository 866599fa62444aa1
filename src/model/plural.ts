/** `1 flow`, `2 flows`, `0 flows`; `many` for irregular plurals (`1 entry` / `2 entries`). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
