/**
 * Small index-based scanning helpers shared by the ofctl parsers. No regular expressions in
 * the hot path: everything walks char codes.
 */

const LPAREN = 40;
const RPAREN = 41;
const LBRACK = 91;
const RBRACK = 93;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;

/**
 * Splits `s[start, end)` at top-level `sep` characters (not inside (), [] or "quotes").
 * Returns flat [start0, end0, start1, end1, ...] offsets. Never throws; unbalanced text just
 * yields fewer splits (callers report it).
 */
export function splitTopLevel(s: string, start: number, end: number, sep: number = COMMA): number[] {
  const out: number[] = [];
  let depth = 0;
  let tokStart = start;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < end) {
        const d = s.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
        i++;
      }
    } else if (c === LPAREN || c === LBRACK) depth++;
    else if (c === RPAREN || c === RBRACK) {
      if (depth > 0) depth--;
    } else if (c === sep && depth === 0) {
      out.push(tokStart, i);
      tokStart = i + 1;
    }
  }
  out.push(tokStart, end);
  return out;
}

/**
 * `splitTopLevel(s, start, end)` when the parentheses, brackets and quotes of `s[start, end)`
 * balance, else undefined: both in one pass over the text.
 */
export function splitBalanced(s: string, start: number, end: number): number[] | undefined {
  const out: number[] = [];
  let paren = 0;
  let brack = 0;
  let tokStart = start;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < end && s.charCodeAt(i) !== QUOTE) {
        if (s.charCodeAt(i) === BACKSLASH) i++;
        i++;
      }
      if (i >= end) return undefined;
    } else if (c === LPAREN) paren++;
    else if (c === RPAREN) {
      if (--paren < 0) return undefined;
    } else if (c === LBRACK) brack++;
    else if (c === RBRACK) {
      if (--brack < 0) return undefined;
    } else if (c === COMMA && paren === 0 && brack === 0) {
      out.push(tokStart, i);
      tokStart = i + 1;
    }
  }
  if (paren !== 0 || brack !== 0) return undefined;
  out.push(tokStart, end);
  return out;
}

/** Index of the `)` closing the `(` at `open`, or -1. Respects quotes and nesting. */
export function closingParen(s: string, open: number, end: number = s.length): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < end) {
        const d = s.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
        i++;
      }
    } else if (c === LPAREN) depth++;
    else if (c === RPAREN) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Parses a non-negative decimal integer in `s[start, end)`; -1 when not one (or > 2^53). */
export function parseDecimal(s: string, start: number, end: number): number {
  if (start >= end || end - start > 15) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Parses `123` or `0x7b` as a number (≤ 2^53); -1 when not one. */
export function parseSmallUint(s: string, start: number = 0, end: number = s.length): number {
  if (end - start > 2 && s.charCodeAt(start) === 48 && (s.charCodeAt(start + 1) | 0x20) === 120) {
    if (end - start > 15) return -1;
    let v = 0;
    for (let i = start + 2; i < end; i++) {
      const c = s.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else return -1;
      v = v * 16 + d;
    }
    return v;
  }
  return parseDecimal(s, start, end);
}

/** Index of the first occurrence of char code `c` in `s[start, end)`, or -1. */
export function indexOfChar(s: string, c: number, start: number, end: number): number {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === c) return i;
  return -1;
}

/**
 * A copy of `s` that does not share storage with the text it was cut from. V8 represents a
 * slice of 13+ characters as a view into its parent, so keeping a short slice of a 90 MB dump
 * (a header line, a port name) would keep the whole dump alive.
 */
export function detach(s: string): string {
  // `' ' + s` is a rope; slicing it makes V8 flatten the rope into a new flat string, and the
  // result is a view of that copy only (4× cheaper than a JSON round trip).
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/**
 * The characters of a window of a text as bytes, for hashing and comparing ranges of it four
 * bytes at a time. V8 reads a string one character per call, each call re-checking how the
 * string is stored (~25 instructions); a DataView reads four bytes per call. A window of ASCII
 * text is stored one byte per character, any other as UTF-16 (two bytes per character): `wide`
 * says which, and intern tables keep the two apart.
 *
 * `load` fills the window from `text[from, to)` into a reused buffer (a native copy, ~5 ms for
 * 64 MB); `at(i)` is the byte offset of `text[i]` for `from <= i <= to`.
 */
export class TextWindow {
  private bytes: Buffer;
  view: DataView;
  /** Text index of the window's first character. */
  from = 0;
  /** Text index just after the window. */
  to = 0;
  /** 1 when the window is stored as UTF-16, 0 when as ASCII bytes. */
  wide = 0;

  constructor(capacity: number = 1 << 18) {
    this.bytes = Buffer.alloc(0);
    this.view = new DataView(this.bytes.buffer);
    this.reserve(capacity);
  }

  /** Loads `text[from, to)`. */
  load(text: string, from: number, to: number): void {
    const n = to - from;
    // UTF-8 takes up to 3 bytes per UTF-16 unit: room for that, so that a short write means ASCII.
    if (3 * n + 8 > this.bytes.length) this.reserve(n);
    const part = from === 0 && to === text.length ? text : text.slice(from, to);
    const written = this.bytes.write(part, 0, 'utf8');
    if (written === n) this.wide = 0;
    else {
      this.bytes.write(part, 0, 'utf16le');
      this.wide = 1;
    }
    this.from = from;
    this.to = to;
  }

  /** Byte offset of `text[i]` (i within the window or at its end). */
  at(i: number): number {
    return (i - this.from) << this.wide;
  }

  private reserve(n: number): void {
    // 8 bytes of slack: word reads may run up to 3 bytes past a range's end.
    const ab = new ArrayBuffer(3 * n + 8);
    this.bytes = Buffer.from(ab);
    this.view = new DataView(ab);
  }
}

/** Masks that keep the first 1, 2 or 3 bytes of a little-endian word. */
const TAIL_MASK = [0, 0xff, 0xffff, 0xffffff];

/**
 * Hash of the bytes `[x, y)` of `v` (reads up to 3 bytes past `y`, which must exist), mixed
 * with `seed`. FNV-style over little-endian words, then murmur3's finaliser so that the low
 * bits (the table slot) depend on every byte.
 */
export function hashBytes(v: DataView, x: number, y: number, seed: number): number {
  let h = seed ^ Math.imul(y - x, 0x9e3779b1);
  for (; x + 4 <= y; x += 4) h = Math.imul(h ^ v.getInt32(x, true), 0x01000193);
  if (x < y) h = Math.imul(h ^ (v.getInt32(x, true) & TAIL_MASK[y - x]!), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** True when bytes `[x, y)` of `a` equal the bytes from `k` of `b` (both readable 3 bytes past). */
function sameBytes(a: DataView, x: number, y: number, b: DataView, k: number): boolean {
  for (; x + 4 <= y; x += 4, k += 4) if (a.getInt32(x, true) !== b.getInt32(k, true)) return false;
  return x >= y || ((a.getInt32(x, true) ^ b.getInt32(k, true)) & TAIL_MASK[y - x]!) === 0;
}

/**
 * Open-addressing intern table from byte strings to values, probed with a hash the caller
 * computes (`hashBytes`): a hit allocates nothing. Keys are copied into one compact pool, so
 * a probe compares against memory that stays in cache and the table never pins the text it
 * was filled from. A key's `kind` (e.g. a TextWindow's `wide`) is part of it: keys of
 * different kinds never match, even with the same bytes.
 */
export class BytesTable<V> {
  /**
   * Four ints per slot: hash, (key length << 1 | kind) + 1 (0 = empty slot), pool offset, value
   * index (0 in an empty slot).
   */
  private slots: Int32Array;
  private pool: DataView;
  private poolEnd = 0;
  /**
   * Values by index; index 0 holds `undefined`, the answer for an empty slot. A miss and a hit
   * then return through the same load, so V8 has type feedback for the hit path from the first
   * lookup (a hit path first taken after optimisation would throw the optimised code away).
   */
  private readonly vals: (V | undefined)[] = [undefined];

  /** About how many keys to expect, of about how many bytes (the table grows past them). */
  constructor(capacity: number = 512, keyBytes: number = 16) {
    let n = 64;
    while (n < 2 * capacity) n *= 2;
    this.slots = new Int32Array(4 * n);
    this.pool = new DataView(new ArrayBuffer(Math.ceil(keyBytes * n / 2) + 4));
  }

  /** The value for bytes `[x, y)` of `v` of kind `kind` hashed to `h`, or undefined. */
  get(v: DataView, x: number, y: number, kind: number, h: number): V | undefined {
    const slots = this.slots;
    const mask = (slots.length >> 2) - 1;
    const key = (((y - x) << 1) | kind) + 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const o = i << 2;
      const k = slots[o + 1]!;
      if (k === 0 || (k === key && slots[o] === h && sameBytes(v, x, y, this.pool, slots[o + 2]!))) return this.vals[slots[o + 3]!];
    }
  }

  /** Adds bytes `[x, y)` of `v` (kind `kind`, hash `h`); the caller has checked they are absent. */
  set(v: DataView, x: number, y: number, kind: number, h: number, value: V): void {
    const len = y - x;
    if (this.poolEnd + len + 4 > this.pool.byteLength) this.growPool(len);
    const off = this.poolEnd;
    if (len <= 16) for (let q = 0; q < len; q++) this.pool.setUint8(off + q, v.getUint8(x + q));
    // a native copy for long keys (action lists run to kilobytes)
    else new Uint8Array(this.pool.buffer, off, len).set(new Uint8Array(v.buffer, v.byteOffset + x, len));
    this.poolEnd += len;
    if (this.vals.length * 2 > this.slots.length >> 2) this.grow();
    this.insert(h, ((len << 1) | kind) + 1, off, this.vals.length);
    this.vals.push(value);
  }

  private growPool(len: number): void {
    const old = new Uint8Array(this.pool.buffer, 0, this.poolEnd);
    const ab = new ArrayBuffer(Math.max(2 * this.pool.byteLength, this.poolEnd + len + 4));
    new Uint8Array(ab).set(old);
    this.pool = new DataView(ab);
  }

  private insert(h: number, key: number, off: number, vi: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 2) - 1;
    let i = h & mask;
    while (slots[(i << 2) + 1] !== 0) i = (i + 1) & mask;
    const o = i << 2;
    slots[o] = h;
    slots[o + 1] = key;
    slots[o + 2] = off;
    slots[o + 3] = vi;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let o = 0; o < old.length; o += 4) if (old[o + 1] !== 0) this.insert(old[o]!, old[o + 1]!, old[o + 2]!, old[o + 3]!);
  }
}

/**
 * Open-addressing table from non-negative integers (≤ 2^53) to values: a `Map` would box every
 * key above 2^31 (OpenFlow cookies are 32 to 64-bit) in a heap number at each lookup.
 */
export class UintTable<V> {
  private keys: Float64Array;
  private vals: (V | undefined)[];
  private size = 0;

  /** `capacity`: about how many keys to expect (the table grows past it). */
  constructor(capacity: number = 512) {
    let n = 1024;
    while (n < 2 * capacity) n *= 2;
    this.keys = new Float64Array(n).fill(-1);
    this.vals = new Array<V | undefined>(n).fill(undefined);
  }

  get(k: number): V | undefined {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = uintHash(k) & mask; ; i = (i + 1) & mask) {
      const x = keys[i]!;
      // One return for a hit and a miss (an empty slot's value is undefined): see BytesTable.vals.
      if (x === k || x < 0) return this.vals[i];
    }
  }

  /** Adds `k` (≥ 0); the caller has checked that it is absent. */
  set(k: number, v: V): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = uintHash(k) & mask;
    while (keys[i]! >= 0) i = (i + 1) & mask;
    keys[i] = k;
    this.vals[i] = v;
    this.size++;
  }

  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Float64Array(keys.length * 2).fill(-1);
    this.vals = new Array<V | undefined>(keys.length * 2).fill(undefined);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i]! >= 0) this.set(keys[i]!, vals[i]!);
  }
}

function uintHash(k: number): number {
  // Low and high 32 bits (ToInt32 keeps the low ones of a double up to 2^53).
  return Math.imul((k | 0) ^ Math.imul((k / 4294967296) | 0, 0x85ebca6b), 0x9e3779b1) >>> 16;
}
