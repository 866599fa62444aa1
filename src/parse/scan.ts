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

/** True when the parentheses, brackets and quotes of `s[start, end)` balance. */
export function isBalanced(s: string, start: number, end: number): boolean {
  let paren = 0;
  let brack = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < end && s.charCodeAt(i) !== QUOTE) {
        if (s.charCodeAt(i) === BACKSLASH) i++;
        i++;
      }
      if (i >= end) return false;
    } else if (c === LPAREN) paren++;
    else if (c === RPAREN) {
      if (--paren < 0) return false;
    } else if (c === LBRACK) brack++;
    else if (c === RBRACK) {
      if (--brack < 0) return false;
    }
  }
  return paren === 0 && brack === 0;
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
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
