/**
 * The report API the interpreter builds the trace tree with, and the tree's node class.
 *
 * A node's text and data are formatted only when someone reads them (pruning, rendering, JSON),
 * so a trace that is only asked for its verdict, outputs or drops pays for no string formatting.
 * A node keeps what its text is made of instead — the action, the flow that matched, the field
 * and its two values, or a thunk — and a `NodeFormat` that turns that into text and data.
 *
 * Why one class with getters on the prototype (and formats as shared objects):
 *   - an object literal `{ get text() { … } }` creates new getter closures for every node, and V8
 *     then keeps each trace's tree alive through young-generation collections — measured on the
 *     scale snapshot, ~40 % of what a trace allocated survived every scavenge and was promoted
 *     (scavenges of 6–80 ms: the trace p99);
 *   - one subclass per kind of node made constructing nodes megamorphic (the base class's field
 *     stores see every subclass's shape): measured, the class field initializer was 20 % of the
 *     trace time. One class keeps every node the same shape.
 *
 * Consequence for consumers: `text` and `data` are not own properties of these nodes. Reading
 * them works as usual and `JSON.stringify` sees them (`toJSON`), but a spread (`{ ...node }`)
 * does not copy them: rebuild nodes with `pruneTree` (which returns plain objects) or read the
 * properties by name.
 */
import type { Action, FlowEntry } from '../model/flow.js';
import type { CompiledFlow } from './classifier.js';
import type { FieldDef } from '../model/fields.js';
import { detailRank, type Detail, type TraceNode, type TraceNodeKind } from '../model/trace.js';
import { formatAction, formatMatch } from '../parse/ofctl-flows.js';

export type Lazy<T> = T | (() => T);

type Data = Readonly<Record<string, unknown>>;

/**
 * How a node's compact payload (up to four values, meaning per format) becomes its text and
 * data. Formats are shared constants, never made per node.
 */
export interface NodeFormat {
  text(p0: unknown, p1: unknown, p2: unknown, p3: unknown): string;
  data(p0: unknown, p1: unknown, p2: unknown, p3: unknown): Data | undefined;
  /** One field of `data` without building all of it (default: from `data`). */
  field?(key: string, p0: unknown, p1: unknown, p2: unknown, p3: unknown): unknown;
}

/** `data` not computed yet (undefined is a valid, cached answer). */
const UNSET: Data = Object.freeze({});

/** A node of the simulator's trace tree (see the file comment). */
export class SimNode implements TraceNode {
  readonly kind: TraceNodeKind;
  readonly detail: Detail;
  readonly children: TraceNode[];
  readonly #format: NodeFormat;
  readonly #p0: unknown;
  readonly #p1: unknown;
  readonly #p2: unknown;
  readonly #p3: unknown;
  #text: string | undefined;
  #data: Data | undefined;

  constructor(kind: TraceNodeKind, detail: Detail, format: NodeFormat, p0?: unknown, p1?: unknown, p2?: unknown, p3?: unknown, children?: TraceNode[]) {
    this.kind = kind;
    this.detail = detail;
    this.children = children ?? [];
    this.#format = format;
    this.#p0 = p0;
    this.#p1 = p1;
    this.#p2 = p2;
    this.#p3 = p3;
    this.#text = undefined;
    this.#data = UNSET;
  }

  get text(): string {
    return (this.#text ??= this.#format.text(this.#p0, this.#p1, this.#p2, this.#p3));
  }

  get data(): Data | undefined {
    if (this.#data === UNSET) this.#data = this.#format.data(this.#p0, this.#p1, this.#p2, this.#p3);
    return this.#data;
  }

  /**
   * One field of `data` without formatting the rest when the format can (a table node's data
   * holds the formatted match): what the annotator and the hop summary read on every node.
   */
  field(key: string): unknown {
    const f = this.#format.field;
    if (this.#data === UNSET && f) return f(key, this.#p0, this.#p1, this.#p2, this.#p3);
    return this.data?.[key];
  }

  /** The format and payload, for the simulator's own passes (annotation); not part of the JSON. */
  get format(): NodeFormat {
    return this.#format;
  }

  get p0(): unknown {
    return this.#p0;
  }

  get p1(): unknown {
    return this.#p1;
  }

  get p2(): unknown {
    return this.#p2;
  }

  /** The shape `JSON.stringify` printed for plain nodes: same keys, same order. */
  toJSON(): { kind: TraceNodeKind; detail: Detail; text: string; data: Data | undefined; children: TraceNode[] } {
    return { kind: this.kind, detail: this.detail, text: this.text, data: this.data, children: this.children };
  }
}

/** p0: the text or a thunk; p1: the data, a thunk, or undefined. */
export const TEXT: NodeFormat = {
  text: (t) => (typeof t === 'function' ? (t as () => string)() : (t as string)),
  data: (_t, d) => (typeof d === 'function' ? (d as () => Data)() : (d as Data | undefined)),
};

/** An action of an action list (p0: the action); its data is `{ action: type }`. */
export const ACTION: NodeFormat = {
  text: (a) => formatAction(a as Action),
  data: (a) => ({ action: (a as Action).type }),
  field: (key, a) => (key === 'action' ? (a as Action).type : undefined),
};

function pad2(n: number): string {
  return n < 10 ? ' ' + n : String(n);
}

/**
 * A flow matched in a table (p0: the flow, p1: the table, p2: the bridge, p3: the conjunction id
 * it matched by): `8. metadata=0x2, priority 50, cookie 0x5b86b5e`, and as data the table,
 * bridge, priority, cookie, match and dump line.
 */
export const TABLE: NodeFormat = {
  text: (p0, table) => {
    const e = p0 as FlowEntry;
    const m = formatMatch(e.match);
    return `${pad2(table as number)}. ${m}${m.length ? ', ' : ''}priority ${e.priority}${e.cookie ? `, cookie 0x${e.cookie.toString(16)}` : ''}`;
  },
  data: (p0, table, bridge, conjId) => {
    const e = p0 as FlowEntry;
    const d: Record<string, unknown> = { table, bridge, priority: e.priority, cookie: '0x' + e.cookie.toString(16), match: formatMatch(e.match), line: e.line };
    if (conjId !== undefined) d['conjId'] = conjId;
    return d;
  },
  field: (key, p0, table, bridge, conjId) => {
    const e = p0 as FlowEntry;
    switch (key) {
      case 'table':
        return table;
      case 'bridge':
        return bridge;
      case 'priority':
        return e.priority;
      case 'cookie':
        return '0x' + e.cookie.toString(16);
      case 'match':
        return formatMatch(e.match);
      case 'line':
        return e.line;
      case 'conjId':
        return conjId;
      default:
        return undefined;
    }
  },
};

/** The flow a table node stands for (undefined for other nodes). */
export function tableEntry(n: TraceNode): FlowEntry | undefined {
  return n instanceof SimNode && n.format === TABLE ? (n.p0 as FlowEntry) : undefined;
}

/** `field: old -> new` (p0: the field, p1/p2: old and new value, p3: how the field's values print). */
export const SET: NodeFormat = {
  text: (f, from, to, fmt) => {
    const field = f as FieldDef;
    const format = fmt as (f: FieldDef, v: bigint) => string;
    return `${field.name}: ${format(field, from as bigint)} -> ${format(field, to as bigint)}`;
  },
  data: (f, from, to, fmt) => {
    const field = f as FieldDef;
    const format = fmt as (f: FieldDef, v: bigint) => string;
    return { field: field.name, from: format(field, from as bigint), to: format(field, to as bigint) };
  },
};

/** Creates a node; `text`/`data` thunks are evaluated once, on first read. */
export function makeNode(kind: TraceNodeKind, detail: Detail, text: Lazy<string>, data?: Lazy<Data>): SimNode {
  return new SimNode(kind, detail, TEXT, text, data);
}

/** `field` of a node's data, without formatting the rest when the node is the simulator's. */
export function nodeField(n: TraceNode, key: string): unknown {
  return n instanceof SimNode ? n.field(key) : n.data?.[key];
}

/**
 * A copy of `o` with `changes` applied, keeping its properties in order — and the lazily
 * formatted ones lazy (a spread would format them).
 */
export function copyWith<T extends object>(o: T, changes: Partial<T>): T {
  // Plain data properties are assigned, the rest (the lazy getters, their hidden slots) defined:
  // every drop of a batch is copied so, and defining every property of the copy took 3-4x as long.
  const out: Record<string | symbol, unknown> = {};
  const changed = Object.keys(changes);
  for (const k of Reflect.ownKeys(o)) {
    if (typeof k === 'string' && changed.includes(k)) {
      define(out, k, (changes as Record<string, unknown>)[k]);
      continue;
    }
    const d = Object.getOwnPropertyDescriptor(o, k)!;
    if ('value' in d && d.writable && d.enumerable && d.configurable) define(out, k, d.value);
    else Object.defineProperty(out, k, d);
  }
  for (const k of changed) if (!Object.hasOwn(out, k)) define(out, k, (changes as Record<string, unknown>)[k]);
  return out as T;
}

/** `o[k] = v` as an own data property (`__proto__` too, which an assignment would not make one). */
function define(o: Record<string | symbol, unknown>, k: string | symbol, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * A cursor into the tree: where the next reported node goes.
 *
 * With a `keep` level below `detailed`, nodes of more detail than that are not added: `report`
 * returns a stand-in whose `children` is the current list, so what is reported within it lands
 * where `pruneTree` would have moved it. The tree then prunes to the same result at `keep` and
 * below, with a fraction of the nodes (a detailed tree has a node per action: ~1,000 per packet
 * on an OVN node).
 */
export class Reporter {
  /** The list new nodes are appended to. */
  current: TraceNode[];
  /** False when `detailed` nodes are not made (callers skip building them). */
  readonly detailed: boolean;
  readonly #keep: number;

  /**
   * `logged`: what the OVN annotation reads of the summary nodes (tables, NAT) goes to a
   * `SummaryLog` instead, so at `minimal` no summary node need be made. Without it, summary
   * nodes are always made: the annotation names the tables (and a minimal prune of a summary
   * tree is the minimal tree).
   */
  constructor(root: TraceNode[], keep: Detail = 'detailed', logged = false) {
    this.current = root;
    this.#keep = logged ? detailRank(keep) : Math.max(detailRank('summary'), detailRank(keep));
    this.detailed = keep === 'detailed';
  }

  report(kind: TraceNodeKind, detail: Detail, text: Lazy<string>, data?: Lazy<Data>): TraceNode {
    if (detailRank(detail) > this.#keep) return new SimNode(kind, detail, TEXT, text, data, undefined, undefined, this.current);
    const n = new SimNode(kind, detail, TEXT, text, data);
    this.current.push(n);
    return n;
  }

  /** Appends a node built by the caller; a leaf of more detail than kept is dropped, as in `report`. */
  add(n: SimNode): SimNode {
    if (detailRank(n.detail) > this.#keep) return n;
    this.current.push(n);
    return n;
  }

  /** Runs `fn` with new nodes going under `parent` (undefined: where they go now). */
  within<T>(parent: TraceNode | undefined, fn: () => T): T {
    if (!parent) return fn();
    const saved = this.current;
    this.current = parent.children;
    try {
      return fn();
    } finally {
      this.current = saved;
    }
  }
}

/** A table the packet matched a flow in, as the summary log records it. */
export interface LoggedTable {
  readonly kind: 'table';
  readonly bridge: string;
  readonly flow: CompiledFlow;
  readonly table: number;
  /** Order of completion: the table node's position in the tree's post-order. */
  post: number;
  /**
   * `flow.annotation` when the table was logged: read while the flow is in the CPU's cache (it just
   * matched), the annotation does not have to fetch the flow again, ~90 scattered flows a packet.
   */
  readonly annotation: unknown;
}

/** A NAT simulated on resuming a recirculation (the `ct` summary node, kept in the tree). */
export interface LoggedNat {
  readonly kind: 'ct';
  readonly bridge: string;
  readonly node: TraceNode;
}

/**
 * What the OVN annotation and the hop summary read of a trace's summary nodes, recorded while
 * interpreting, for a trace whose tree is made at `minimal` detail (a --flows-file batch): the
 * tables matched and the NATs simulated, in the order a walk of the summary tree would meet them
 * (pre-order), each table with its place in the post-order. Reading this instead of the tree
 * spares a table node per table visit (~90 a packet on an OVN node) and a walk over them.
 */
export class SummaryLog {
  readonly events: (LoggedTable | LoggedNat)[] = [];
  /** The tables entered and not yet left (undefined: a miss, or a table not recorded). */
  readonly #open: (LoggedTable | undefined)[] = [];
  #post = 0;

  /** A table lookup; `bridge` undefined: not recorded (a pass that is not in the tree). */
  openTable(bridge: string | undefined, flow: CompiledFlow | undefined, table: number): void {
    let e: LoggedTable | undefined;
    if (bridge !== undefined && flow !== undefined) {
      // Stamped now as a leaf; stamped again when its actions end (closeTable), if they run.
      e = { kind: 'table', bridge, flow, table, post: this.#post++, annotation: flow.annotation };
      this.events.push(e);
    }
    this.#open.push(e);
  }

  /** The actions of the innermost open table have run. */
  closeTable(): void {
    const e = this.#open.pop();
    if (e) e.post = this.#post++;
  }

  nat(bridge: string, node: TraceNode): void {
    this.events.push({ kind: 'ct', bridge, node });
  }
}
