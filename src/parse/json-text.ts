/**
 * One tolerant JSON reader for every JSON output a snapshot holds: OVSDB tables (`--format=json`),
 * FRR's vtysh `… json`, `ip -j`, `ethtool --json`. `JSON.parse` says neither where nor what was
 * read before a problem; this reader stops at the first error and keeps what it had read, so a
 * dump cut short by a timeout still gives its complete rows, and every message has an offset.
 *
 * What differs between the callers is an option, not a copy of the reader:
 *   - `bigints`: integers beyond 2^53 as exact bigints (OVSDB integers are 64-bit);
 *   - `positions`: the offset of every object key and array element (FRR evidence names lines);
 *   - `trailingCommas`: a comma before `}` or `]` is read past and reported (FRR issue #2567)
 *     instead of being an error.
 *
 * Objects have no prototype, so no key of the data (`__proto__`, `constructor`) means anything
 * but itself.
 */

export type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };

export const MAX_JSON_DEPTH = 256;

export interface JsonReadOptions {
  readonly bigints?: boolean;
  readonly positions?: boolean;
  readonly trailingCommas?: boolean;
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Tolerant recursive-descent reader: stops at the first error, keeps what it has read. */
export class JsonReader {
  pos: number;
  error: { offset: number; message: string } | undefined;
  /** Arrays/objects the input ended (or broke) inside of. */
  readonly incomplete = new WeakSet<object>();
  /** Trailing commas read past (`trailingCommas`): offset of the comma, and the bracket it precedes. */
  readonly trailingCommas: { offset: number; close: '}' | ']' }[] = [];
  /** With `positions`: offset of each container's opening bracket, and of each key / element. */
  readonly starts = new WeakMap<object, number>();
  readonly positions = new WeakMap<object, Map<string | number, number>>();

  constructor(
    private readonly s: string,
    private readonly options: JsonReadOptions = {},
    start = 0,
  ) {
    this.pos = start;
  }

  private fail(message: string, offset = this.pos): void {
    if (!this.error) this.error = { offset, message };
  }

  ws(): void {
    const s = this.s;
    let p = this.pos;
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (c === 32 || c === 10 || c === 13 || c === 9) p++;
      else break;
    }
    this.pos = p;
  }

  /** One value and nothing but whitespace after it (else an error that says what follows). */
  document(): Json | undefined {
    this.ws();
    const v = this.value(0);
    if (!this.error) {
      this.ws();
      if (this.pos < this.s.length) this.fail(`unexpected text after the JSON value: ${excerptAt(this.s, this.pos)}`);
    }
    return v;
  }

  value(depth: number): Json | undefined {
    this.ws();
    const s = this.s;
    if (this.pos >= s.length) {
      this.fail('unexpected end of input (output truncated?)');
      return undefined;
    }
    const c = s.charCodeAt(this.pos);
    if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (depth >= MAX_JSON_DEPTH) {
        this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
        return undefined;
      }
      return c === 0x5b ? this.array(depth) : this.object(depth);
    }
    if (c === 0x22 /* " */) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (s.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    if (s.startsWith('false', this.pos)) {
      this.pos += 5;
      return false;
    }
    if (s.startsWith('null', this.pos)) {
      this.pos += 4;
      return null;
    }
    const rest = s.slice(this.pos);
    if (rest.length < 5 && ['true', 'false', 'null'].some((w) => w.startsWith(rest))) {
      this.fail('unexpected end of input inside a literal (output truncated?)');
      return undefined;
    }
    this.fail(`unexpected ${describeChar(s, this.pos)}; expected a JSON value`);
    return undefined;
  }

  /** After a comma: true (and past the bracket) when `close` follows and trailing commas are read past. */
  private trailing(comma: number, close: 0x5d | 0x7d): boolean {
    if (!this.options.trailingCommas) return false;
    this.ws();
    if (this.s.charCodeAt(this.pos) !== close) return false;
    this.trailingCommas.push({ offset: comma, close: close === 0x5d ? ']' : '}' });
    this.pos++;
    return true;
  }

  private array(depth: number): Json[] {
    const s = this.s;
    const out: Json[] = [];
    const pos = this.options.positions ? new Map<string | number, number>() : undefined;
    if (pos) {
      this.positions.set(out, pos);
      this.starts.set(out, this.pos);
    }
    this.pos++; // [
    this.ws();
    if (s.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      if (pos) {
        this.ws();
        pos.set(out.length, this.pos);
      }
      const v = this.value(depth + 1);
      if (this.error) {
        if (v !== undefined && typeof v === 'object' && v !== null) out.push(v);
        this.incomplete.add(out);
        return out;
      }
      out.push(v as Json);
      this.ws();
      const c = s.charCodeAt(this.pos);
      if (c === 0x2c) {
        const comma = this.pos++;
        if (this.trailing(comma, 0x5d)) return out;
        continue;
      }
      if (c === 0x5d) {
        this.pos++;
        return out;
      }
      this.fail(this.pos >= s.length ? 'unexpected end of input inside an array (output truncated?)' : `unexpected ${describeChar(s, this.pos)}; expected "," or "]"`);
      this.incomplete.add(out);
      return out;
    }
  }

  private object(depth: number): { [k: string]: Json } {
    const s = this.s;
    const out = Object.create(null) as { [k: string]: Json };
    const pos = this.options.positions ? new Map<string | number, number>() : undefined;
    if (pos) {
      this.positions.set(out, pos);
      this.starts.set(out, this.pos);
    }
    this.pos++; // {
    this.ws();
    if (s.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (s.charCodeAt(this.pos) !== 0x22) {
        this.fail(this.pos >= s.length ? 'unexpected end of input inside an object (output truncated?)' : `unexpected ${describeChar(s, this.pos)}; expected a quoted member name`);
        this.incomplete.add(out);
        return out;
      }
      const keyOffset = this.pos;
      const key = this.string();
      if (key === undefined) {
        this.incomplete.add(out);
        return out;
      }
      this.ws();
      if (s.charCodeAt(this.pos) !== 0x3a) {
        this.fail(this.pos >= s.length ? 'unexpected end of input inside an object (output truncated?)' : `unexpected ${describeChar(s, this.pos)}; expected ":"`);
        this.incomplete.add(out);
        return out;
      }
      this.pos++;
      pos?.set(key, keyOffset);
      const v = this.value(depth + 1);
      if (this.error) {
        if (v !== undefined && typeof v === 'object' && v !== null) out[key] = v;
        this.incomplete.add(out);
        return out;
      }
      out[key] = v as Json;
      this.ws();
      const c = s.charCodeAt(this.pos);
      if (c === 0x2c) {
        const comma = this.pos++;
        if (this.trailing(comma, 0x7d)) return out;
        continue;
      }
      if (c === 0x7d) {
        this.pos++;
        return out;
      }
      this.fail(this.pos >= s.length ? 'unexpected end of input inside an object (output truncated?)' : `unexpected ${describeChar(s, this.pos)}; expected "," or "}"`);
      this.incomplete.add(out);
      return out;
    }
  }

  /** A string at `pos` (which is at its opening quote). */
  string(): string | undefined {
    const s = this.s;
    const start = this.pos + 1;
    let p = start;
    // Fast path: no escapes.
    for (; p < s.length; p++) {
      const c = s.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return s.slice(start, p);
      }
      if (c === 0x5c || c < 0x20) break;
    }
    let out = s.slice(start, p);
    for (; p < s.length; ) {
      const c = s.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return out;
      }
      if (c < 0x20) {
        this.fail(`control character U+${c.toString(16).padStart(4, '0')} inside a string`, p);
        return undefined;
      }
      if (c !== 0x5c) {
        out += s[p];
        p++;
        continue;
      }
      const e = s[p + 1];
      if (e === undefined) break;
      if (Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, e)) {
        out += SIMPLE_ESCAPES[e];
        p += 2;
        continue;
      }
      if (e === 'u') {
        const hex = s.slice(p + 2, p + 6);
        if (hex.length < 4) break;
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.fail(`bad \\u escape "\\u${hex}"`, p);
          return undefined;
        }
        out += String.fromCharCode(Number.parseInt(hex, 16));
        p += 6;
        continue;
      }
      this.fail(`bad escape "\\${e}" inside a string`, p);
      return undefined;
    }
    this.fail('unexpected end of input inside a string (output truncated?)', s.length);
    return undefined;
  }

  private number(): number | bigint | undefined {
    const re = NUMBER_RE;
    re.lastIndex = this.pos;
    const m = re.exec(this.s);
    if (!m) {
      this.fail(this.pos + 1 >= this.s.length ? 'unexpected end of input inside a number (output truncated?)' : `malformed number ${excerptAt(this.s, this.pos)}`);
      return undefined;
    }
    this.pos += m[0].length;
    const n = Number(m[0]);
    if (this.options.bigints && m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n)) return BigInt(m[0]);
    return n;
  }
}

function describeChar(s: string, pos: number): string {
  if (pos >= s.length) return 'end of input';
  const cp = s.codePointAt(pos) ?? 0;
  const ch = String.fromCodePoint(cp);
  return cp < 0x20 || cp === 0x7f ? `character U+${cp.toString(16).padStart(4, '0')}` : `"${ch}"`;
}

/** Up to `n` characters of `s` from `pos`, quoted, with `…` when cut. */
export function excerptAt(s: string, pos: number, n = 40): string {
  const t = s.slice(pos, pos + n);
  return JSON.stringify(t.length < s.length - pos ? `${t}…` : t);
}
