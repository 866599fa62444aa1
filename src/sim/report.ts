/**
 * The report API the interpreter builds the trace tree with. Text (and data) may be given as a
 * thunk: it is formatted only when someone reads it (rendering, JSON), so a trace that is only
 * asked for its verdict pays for no string formatting. Nodes stay plain objects (own enumerable
 * properties) so `JSON.stringify` and `pruneTree` see the text.
 */
import type { Detail, TraceNode, TraceNodeKind } from '../model/trace.js';

export type Lazy<T> = T | (() => T);

type Data = Readonly<Record<string, unknown>>;

/**
 * Creates a node; `text`/`data` thunks are evaluated once, on first read. Lazy nodes use object
 * literal accessors (own, enumerable: seen by JSON.stringify and by spreads such as pruneTree),
 * which V8 creates without the dictionary-mode cost of Object.defineProperty.
 */
export function makeNode(kind: TraceNodeKind, detail: Detail, text: Lazy<string>, data?: Lazy<Data>): TraceNode {
  const children: TraceNode[] = [];
  if (typeof text !== 'function' && typeof data !== 'function') {
    // One object shape for every eager node keeps the hot path monomorphic.
    return { kind, detail, text, data, children };
  }
  let t: string | undefined = typeof text === 'function' ? undefined : text;
  let d: Data | undefined = typeof data === 'function' ? undefined : data;
  if (data === undefined) {
    return {
      kind,
      detail,
      get text() {
        return (t ??= (text as () => string)());
      },
      children,
    };
  }
  return {
    kind,
    detail,
    get text() {
      return (t ??= typeof text === 'function' ? text() : text);
    },
    get data() {
      return (d ??= typeof data === 'function' ? data() : data);
    },
    children,
  };
}

/** A cursor into the tree: where the next reported node goes. */
export class Reporter {
  /** The list new nodes are appended to. */
  current: TraceNode[];

  constructor(root: TraceNode[]) {
    this.current = root;
  }

  report(kind: TraceNodeKind, detail: Detail, text: Lazy<string>, data?: Lazy<Data>): TraceNode {
    const n = makeNode(kind, detail, text, data);
    this.current.push(n);
    return n;
  }

  /** Runs `fn` with new nodes going under `parent`. */
  within<T>(parent: TraceNode, fn: () => T): T {
    const saved = this.current;
    this.current = parent.children;
    try {
      return fn();
    } finally {
      this.current = saved;
    }
  }
}
