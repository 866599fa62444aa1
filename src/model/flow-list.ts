/**
 * A flow list whose entries are made on first access. A `.cache/` hit on a 455k-flow bridge held
 * 1.4 million objects (entry, match, item list per flow) that a one-shot trace never reads: it
 * looks at a hundred flows. Decoding them all, and the scavenges that copied them into the old
 * generation, were about a third of the cached one-shot (see bench/RESULTS.md).
 *
 * The list is an ordinary readonly array to its readers. Reading an element by index makes that
 * one entry; anything else (iteration through `has`, key listing, methods) makes every entry
 * first, so array methods and deep comparison see a plain, complete array. The table, priority,
 * cookie and line of every flow can be read without making entries (`flowKeyOf`): the classifier
 * checks a stored index against them, a drop finds its flow by line and a punt by its cookie.
 */
import type { FlowEntry } from './flow.js';

/** Table, priority, cookie and dump line of flow `i`, without making its entry. */
export interface FlowKeyColumns {
  table(i: number): number;
  priority(i: number): number;
  cookie(i: number): bigint;
  line(i: number): number;
}

const KEY_COLUMNS = Symbol('flow key columns');

/**
 * A readonly array of `n` flows; `make(i)` makes flow i (called at most once per index; it must
 * not fail: validate the source before). `keys` gives the table, priority, cookie and line of
 * every flow.
 */
export function lazyFlowList(n: number, make: (i: number) => FlowEntry, keys: FlowKeyColumns): readonly FlowEntry[] {
  const made: (FlowEntry | undefined)[] = new Array<FlowEntry | undefined>(n);
  let complete = n === 0;
  const completeAll = (): void => {
    if (complete) return;
    for (let i = 0; i < n; i++) made[i] ??= make(i);
    complete = true;
  };
  return new Proxy(made as FlowEntry[], {
    get(target, key, receiver) {
      if (typeof key === 'string') {
        const c = key.charCodeAt(0);
        if (c >= 48 && c <= 57) {
          const i = Number(key);
          if (String(i) === key) return i < n ? (target[i] ??= make(i)) : undefined;
        } else if (key === 'length') return n;
      } else if (key === KEY_COLUMNS) return keys;
      completeAll();
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      completeAll();
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      completeAll();
      return Reflect.ownKeys(target);
    },
    getOwnPropertyDescriptor(target, key) {
      completeAll();
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    set() {
      throw new TypeError('a flow list is read-only');
    },
    defineProperty() {
      throw new TypeError('a flow list is read-only');
    },
    deleteProperty() {
      throw new TypeError('a flow list is read-only');
    },
  });
}

/** The table, priority, cookie and line of each flow: from the columns of a lazy list, else from the entries. */
export function flowKeyOf(flows: readonly FlowEntry[]): FlowKeyColumns {
  const cols = (flows as unknown as Record<typeof KEY_COLUMNS, FlowKeyColumns | undefined>)[KEY_COLUMNS];
  return cols ?? { table: (i) => flows[i]!.table, priority: (i) => flows[i]!.priority, cookie: (i) => flows[i]!.cookie, line: (i) => flows[i]!.line };
}
