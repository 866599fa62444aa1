/**
 * Generic OVSDB values as printed by `ovs-vsctl|ovn-nbctl|ovn-sbctl --format=json list <table>`
 * (RFC 7047 §5.1 notation): atoms are JSON strings, numbers and booleans, `["uuid", "…"]` and
 * `["named-uuid", "…"]`; a set is `["set", [atoms]]` except that a one-element set is printed as
 * the bare atom; a map is `["map", [[key, value], …]]`.
 *
 * Pure types and total helpers: every helper returns `undefined` when the value does not have the
 * asked-for shape, it never throws. The "empty set means none" rule for optional columns
 * (`min: 0, max: 1`) is applied by the scalar helpers.
 */

export interface OvsdbUuid {
  readonly kind: 'uuid';
  readonly uuid: string;
}

export interface OvsdbNamedUuid {
  readonly kind: 'named-uuid';
  readonly name: string;
}

/**
 * An OVSDB atom. Integers outside ±2^53 are kept exactly as `bigint`; all other numbers (integers
 * and reals alike, JSON does not tell them apart once parsed) are `number`.
 */
export type OvsdbAtom = string | number | bigint | boolean | OvsdbUuid | OvsdbNamedUuid;

export interface OvsdbSet {
  readonly kind: 'set';
  readonly items: readonly OvsdbAtom[];
}

export interface OvsdbMap {
  readonly kind: 'map';
  readonly entries: readonly (readonly [OvsdbAtom, OvsdbAtom])[];
}

export type OvsdbValue = OvsdbAtom | OvsdbSet | OvsdbMap;

/** One row of a table: cells by column name (the table's headings), in heading order. */
export interface OvsdbRow {
  /** 0-based index of the row in the output's `data` array. */
  readonly index: number;
  /** The `_uuid` cell when present and well-formed. */
  readonly uuid: string | undefined;
  readonly cells: ReadonlyMap<string, OvsdbValue>;
}

/** A whole `--format=json` table. */
export interface OvsdbTable {
  readonly headings: readonly string[];
  readonly rows: readonly OvsdbRow[];
}

export const EMPTY_SET: OvsdbSet = Object.freeze({ kind: 'set', items: Object.freeze([]) as readonly OvsdbAtom[] });
export const EMPTY_MAP: OvsdbMap = Object.freeze({ kind: 'map', entries: Object.freeze([]) as readonly (readonly [OvsdbAtom, OvsdbAtom])[] });

export const uuidAtom = (uuid: string): OvsdbUuid => ({ kind: 'uuid', uuid });

export function isUuidAtom(v: unknown): v is OvsdbUuid {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'uuid';
}

export function isNamedUuidAtom(v: unknown): v is OvsdbNamedUuid {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'named-uuid';
}

export function isOvsdbSet(v: OvsdbValue | undefined): v is OvsdbSet {
  return typeof v === 'object' && v !== null && v.kind === 'set';
}

export function isOvsdbMap(v: OvsdbValue | undefined): v is OvsdbMap {
  return typeof v === 'object' && v !== null && v.kind === 'map';
}

export function isAtom(v: OvsdbValue | undefined): v is OvsdbAtom {
  return v !== undefined && !isOvsdbSet(v) && !isOvsdbMap(v);
}

/** True for `["set",[]]` (how an optional column says "none") and for `["map",[]]`. */
export function isEmpty(v: OvsdbValue | undefined): boolean {
  return (isOvsdbSet(v) && v.items.length === 0) || (isOvsdbMap(v) && v.entries.length === 0);
}

/** Items of a set-typed column: a bare atom is a one-element set; a map is not a set. */
export function setItems(v: OvsdbValue | undefined): readonly OvsdbAtom[] | undefined {
  if (v === undefined) return undefined;
  if (isOvsdbSet(v)) return v.items;
  if (isOvsdbMap(v)) return undefined;
  return [v];
}

/**
 * The single atom of an optional (min 0, max 1) or required scalar column: a bare atom, or a set
 * with exactly one element (not printed by OVS, accepted anyway). Empty set → undefined.
 */
export function scalarAtom(v: OvsdbValue | undefined): OvsdbAtom | undefined {
  const items = setItems(v);
  return items && items.length === 1 ? items[0] : undefined;
}

export function asString(v: OvsdbValue | undefined): string | undefined {
  const a = scalarAtom(v);
  return typeof a === 'string' ? a : undefined;
}

/** Integer column as a JS number; `undefined` for reals, non-numbers and integers beyond ±2^53. */
export function asInt(v: OvsdbValue | undefined): number | undefined {
  const a = scalarAtom(v);
  if (typeof a === 'number') return Number.isInteger(a) ? a : undefined;
  if (typeof a === 'bigint') return a >= BigInt(Number.MIN_SAFE_INTEGER) && a <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(a) : undefined;
  return undefined;
}

/** Integer column exactly, whatever its size. */
export function asBigInt(v: OvsdbValue | undefined): bigint | undefined {
  const a = scalarAtom(v);
  if (typeof a === 'bigint') return a;
  if (typeof a === 'number' && Number.isSafeInteger(a)) return BigInt(a);
  return undefined;
}

/** Real (or integer) column as a number. */
export function asReal(v: OvsdbValue | undefined): number | undefined {
  const a = scalarAtom(v);
  if (typeof a === 'number') return a;
  if (typeof a === 'bigint') return Number(a);
  return undefined;
}

export function asBool(v: OvsdbValue | undefined): boolean | undefined {
  const a = scalarAtom(v);
  return typeof a === 'boolean' ? a : undefined;
}

/** A `["uuid", …]` cell (reference column) as the UUID string. Named UUIDs are not row UUIDs. */
export function asUuid(v: OvsdbValue | undefined): string | undefined {
  const a = scalarAtom(v);
  return isUuidAtom(a) ? a.uuid : undefined;
}

function setOf<T>(v: OvsdbValue | undefined, pick: (a: OvsdbAtom) => T | undefined): T[] | undefined {
  const items = setItems(v);
  if (!items) return undefined;
  const out: T[] = [];
  for (const a of items) {
    const x = pick(a);
    if (x === undefined) return undefined;
    out.push(x);
  }
  return out;
}

export function asStringSet(v: OvsdbValue | undefined): string[] | undefined {
  return setOf(v, (a) => (typeof a === 'string' ? a : undefined));
}

export function asUuidSet(v: OvsdbValue | undefined): string[] | undefined {
  return setOf(v, (a) => (isUuidAtom(a) ? a.uuid : undefined));
}

export function asIntSet(v: OvsdbValue | undefined): number[] | undefined {
  return setOf(v, (a) => asInt(a));
}

/** Text of an atom as OVS would show it in a `key=value` context (uuid → the uuid string). */
export function atomText(a: OvsdbAtom): string {
  if (typeof a === 'string') return a;
  if (typeof a === 'number' || typeof a === 'bigint' || typeof a === 'boolean') return String(a);
  return a.kind === 'uuid' ? a.uuid : a.name;
}

/**
 * A map column as a plain record, keys and values as text (`atomText`): string→string maps
 * (options, external_ids), string→integer (statistics), string→uuid (Open_vSwitch.datapaths),
 * integer→uuid (QoS.queues, keys become decimal strings). The record has no prototype, so keys such
 * as `__proto__` are ordinary keys. Not a map → undefined.
 */
export function asMap(v: OvsdbValue | undefined): Readonly<Record<string, string>> | undefined {
  if (!isOvsdbMap(v)) return undefined;
  const out = Object.create(null) as Record<string, string>;
  for (const [k, val] of v.entries) out[atomText(k)] = atomText(val);
  return out;
}

/** A map column's raw entries (atoms kept), e.g. to tell integer keys from string keys. */
export function mapEntries(v: OvsdbValue | undefined): readonly (readonly [OvsdbAtom, OvsdbAtom])[] | undefined {
  return isOvsdbMap(v) ? v.entries : undefined;
}

/** Looks a key up in a map cell (string keys compared as text). */
export function mapGet(v: OvsdbValue | undefined, key: string): OvsdbAtom | undefined {
  if (!isOvsdbMap(v)) return undefined;
  for (const [k, val] of v.entries) if (atomText(k) === key) return val;
  return undefined;
}

/** A row's cell by column name (undefined when the table has no such column). */
export function cell(row: OvsdbRow, column: string): OvsdbValue | undefined {
  return row.cells.get(column);
}

/** Renders a value back in OVSDB JSON notation (the inverse of the parser, for tests and evidence). */
export function toOvsdbJson(v: OvsdbValue): unknown {
  const atom = (a: OvsdbAtom): unknown => {
    if (typeof a === 'bigint') return a; // caller decides how to print bigints
    if (typeof a === 'object') return a.kind === 'uuid' ? ['uuid', a.uuid] : ['named-uuid', a.name];
    return a;
  };
  if (isOvsdbSet(v)) return ['set', v.items.map(atom)];
  if (isOvsdbMap(v)) return ['map', v.entries.map(([k, x]) => [atom(k), atom(x)])];
  return atom(v);
}

/** Index typed rows by `uuid` (rows without one are skipped). */
export function byUuid<T extends { readonly uuid: string }>(rows: readonly T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const r of rows) if (r.uuid) m.set(r.uuid, r);
  return m;
}
