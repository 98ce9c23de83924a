/**
 * A schema `pattern` matched on a field's bytes, for the common shapes (`^[A-Z]{2}$`,
 * `^\d{5}$`, `^[a-z0-9_-]{3,16}$`): a sequence of characters and character classes, each
 * once, optional, repeated or counted, anchored at both ends. It is run as a set of states over
 * the bytes (linear time, no backtracking, no string made). Only ASCII is read: a field holding
 * any other byte is not matched here (the caller checks it as text, with the full engine).
 */
export type BytePattern = (data: Uint8Array, start: number, end: number) => boolean;

/** One element of the sequence: the bytes it matches, and how often. */
interface Item {
  readonly bytes: Uint8Array; // 1 for each ASCII byte it matches
  readonly repeat: boolean; // may match again (*, + and {n,})
  readonly optional: boolean; // may match nothing (?, * and the counts past the minimum)
}

/** States at most: the set of them is one 32-bit number. */
const MAX_STATES = 30;

const DIGITS = range('0', '9');
const WORD = union(range('a', 'z'), range('A', 'Z'), DIGITS, chars('_'));

function range(from: string, to: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) set[c] = 1;
  return set;
}

function chars(list: string): Uint8Array {
  const set = new Uint8Array(128);
  for (const c of list) set[c.charCodeAt(0)] = 1;
  return set;
}

function union(...sets: Uint8Array[]): Uint8Array {
  const set = new Uint8Array(128);
  for (const s of sets) for (let c = 0; c < 128; c++) set[c] = set[c]! | s[c]!;
  return set;
}

function not(set: Uint8Array): Uint8Array {
  return set.map((v) => 1 - v);
}

/** Characters that are themselves outside a class (not syntax). */
const PLAIN = /^[A-Za-z0-9 !"#%&',\-/:;<=>@_`~]$/;
/** Punctuation that an escape makes itself (with the u flag, only syntax characters and `/` may be escaped). */
const ESCAPABLE = '^$\\.*+?()[]{}|/-';

/** The set of an escape `\x` (in or out of a class), or null when it is not one handled here. */
function escapeSet(c: string): Uint8Array | null {
  if (c === 'd') return DIGITS;
  if (c === 'D') return not(DIGITS);
  if (c === 'w') return WORD;
  if (c === 'W') return not(WORD);
  if (ESCAPABLE.includes(c)) return chars(c);
  return null;
}

/** A class `[...]` from just after its `[`: its set and where it ends (past `]`), or null. */
function parseClass(p: string, at: number): { set: Uint8Array; next: number } | null {
  const negated = p[at] === '^';
  let i = negated ? at + 1 : at;
  let set: Uint8Array = new Uint8Array(128);
  let first = true;
  for (;;) {
    if (i >= p.length) return null;
    let c = p[i]!;
    if (c === ']' && !first) break;
    first = false;
    let from: number;
    if (c === '\\') {
      const e = p[i + 1];
      if (e === undefined) return null;
      const escaped = escapeSet(e);
      if (!escaped) return null;
      i += 2;
      if (e === 'd' || e === 'D' || e === 'w' || e === 'W') {
        set = union(set, escaped);
        continue;
      }
      from = e.charCodeAt(0);
    } else {
      if (c === '[' || c.charCodeAt(0) > 0x7e || c.charCodeAt(0) < 0x20) return null;
      from = c.charCodeAt(0);
      i++;
    }
    if (p[i] === '-' && p[i + 1] !== ']' && p[i + 1] !== undefined) {
      c = p[i + 1]!;
      let to: number;
      if (c === '\\') {
        const e = p[i + 2];
        if (e === undefined || !ESCAPABLE.includes(e)) return null;
        to = e.charCodeAt(0);
        i += 3;
      } else {
        if (c === '[' || c.charCodeAt(0) > 0x7e || c.charCodeAt(0) < 0x20) return null;
        to = c.charCodeAt(0);
        i += 2;
      }
      if (to < from) return null;
      for (let k = from; k <= to; k++) set[k] = 1;
    } else set[from] = 1;
  }
  return { set: negated ? not(set) : set, next: i + 1 };
}

/** The quantifier at `at`: its least and most counts (most Infinity) and where it ends. */
function parseQuantifier(p: string, at: number): { min: number; max: number; next: number } | null {
  const c = p[at];
  if (c === '?') return { min: 0, max: 1, next: at + 1 };
  if (c === '*') return { min: 0, max: Infinity, next: at + 1 };
  if (c === '+') return { min: 1, max: Infinity, next: at + 1 };
  if (c !== '{') return { min: 1, max: 1, next: at };
  const m = /^\{(\d{1,3})(,(\d{0,3}))?\}/.exec(p.slice(at));
  if (!m) return null;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  if (max < min) return null;
  return { min, max, next: at + m[0].length };
}

/** The pattern's items, or null when it is not a sequence this reads. */
function parseItems(inner: string): Item[] | null {
  const items: Item[] = [];
  let i = 0;
  while (i < inner.length) {
    const c = inner[i]!;
    let set: Uint8Array | null;
    if (c === '[') {
      const parsed = parseClass(inner, i + 1);
      if (!parsed) return null;
      set = parsed.set;
      i = parsed.next;
    } else if (c === '\\') {
      const e = inner[i + 1];
      set = e === undefined ? null : escapeSet(e);
      i += 2;
    } else {
      set = PLAIN.test(c) ? chars(c) : null;
      i++;
    }
    if (!set) return null;
    const q = parseQuantifier(inner, i);
    if (!q || inner[q.next] === '?') return null; // lazy quantifiers: left to the engine
    i = q.next;
    for (let k = 0; k < q.min; k++) items.push({ bytes: set, repeat: false, optional: false });
    if (q.max === Infinity) items.push({ bytes: set, repeat: true, optional: true });
    else for (let k = q.min; k < q.max; k++) items.push({ bytes: set, repeat: false, optional: true });
    if (items.length > MAX_STATES) return null;
  }
  return items;
}

/**
 * The byte matcher of a schema pattern, or null when the pattern is not of the shapes it reads
 * (then the pattern is matched on the field's text). Its verdict on an ASCII field is the
 * pattern's as compileLinearRegExp matches it (a unit test compares them); any other field gets
 * false. (`.` and `\s` are left to the engine: RE2 and ECMAScript read them differently.)
 */
export function compileBytePattern(pattern: string): BytePattern | null {
  if (pattern.length < 2 || pattern[0] !== '^' || pattern[pattern.length - 1] !== '$' || pattern[pattern.length - 2] === '\\') return null;
  const items = parseItems(pattern.slice(1, -1));
  if (!items) return null;
  const count = items.length;
  // closure[i]: the states reached from state i without reading (past optional items).
  const closure = new Int32Array(count + 1);
  closure[count] = 1 << count;
  for (let i = count - 1; i >= 0; i--) closure[i] = (1 << i) | (items[i]!.optional ? closure[i + 1]! : 0);
  // after[i]: the states once item i has matched a byte.
  const after = Int32Array.from(items, (item, i) => (item.repeat ? closure[i]! : closure[i + 1]!));
  // byteStates[b]: the states whose item matches byte b.
  const byteStates = new Int32Array(128);
  items.forEach((item, i) => {
    for (let b = 0; b < 128; b++) if (item.bytes[b] === 1) byteStates[b] = byteStates[b]! | (1 << i);
  });
  const accept = 1 << count;
  const start0 = closure[0]!;
  return (data, start, end) => {
    let states = start0;
    for (let at = start; at < end; at++) {
      const b = data[at]!;
      if (b >= 0x80) return false;
      let moving = states & byteStates[b]!;
      if (moving === 0) return false;
      let next = 0;
      while (moving !== 0) {
        const low = moving & -moving;
        next |= after[31 - Math.clz32(low)]!;
        moving ^= low;
      }
      states = next;
    }
    return (states & accept) !== 0;
  };
}
