/** Exact powers of ten for the decimals a plain number may have. */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);
/** At most this many digits: their integer is below 2^53, and a double holds 15 digits exactly. */
const MAX_DIGITS = 15;

/**
 * The number a field writes plainly, read from its characters; undefined when it is not plain.
 * Plain means JavaScript writes that number back as exactly this text: at most 15 digits in
 * all, an optional minus sign, no sign +, no leading zero, not -0, and for a decimal a last
 * digit that is not 0 and a size of at least 1e-6 (JavaScript writes smaller ones as 1e-7). The
 * value is exact: the digits make an integer below 2^53, and one division by an exact power of
 * ten rounds correctly (Clinger's fast path), so it is the same as `+field`.
 *
 * Why: `+field` goes through V8's string-to-number runtime; rows of numbers are checked, and
 * then compared with their text for COPY, a million times per import.
 */
export function plainNumber(field: string): number | undefined {
  const length = field.length;
  if (length === 0 || length > MAX_DIGITS + 2) return undefined;
  let i = 0;
  const negative = field.charCodeAt(0) === 45; // -
  if (negative) i = 1;
  if (i === length) return undefined;
  const lead = field.charCodeAt(i);
  if (lead === 48) {
    // 0 alone (not -0), or 0 before a decimal point.
    if (i + 1 === length) return negative ? undefined : 0;
    if (field.charCodeAt(i + 1) !== 46) return undefined;
  } else if (lead < 49 || lead > 57) return undefined;
  let n = 0;
  for (; i < length; i++) {
    const c = field.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  if (i === length) {
    if (length - (negative ? 1 : 0) > MAX_DIGITS) return undefined;
    return negative ? -n : n;
  }
  const decimals = length - i - 1;
  if (decimals < 1 || length - (negative ? 2 : 1) > MAX_DIGITS || field.charCodeAt(length - 1) === 48) return undefined;
  for (i++; i < length; i++) {
    const c = field.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  const value = n / POWERS_OF_TEN[decimals]!;
  if (value < 1e-6) return undefined;
  return negative ? -value : value;
}

/**
 * plainNumber on a field's bytes (ASCII digits are one byte in UTF-8): the same rules, which a
 * unit test compares. A report reads imported rows' numbers from their bytes this way, without
 * a string per cell.
 */
export function plainNumberBytes(data: Uint8Array, start: number, stop: number): number | undefined {
  const length = stop - start;
  if (length === 0 || length > MAX_DIGITS + 2) return undefined;
  let i = start;
  const negative = data[i] === 45;
  if (negative) i++;
  if (i === stop) return undefined;
  const lead = data[i]!;
  if (lead === 48) {
    if (i + 1 === stop) return negative ? undefined : 0;
    if (data[i + 1] !== 46) return undefined;
  } else if (lead < 49 || lead > 57) return undefined;
  let n = 0;
  for (; i < stop; i++) {
    const c = data[i]!;
    if (c === 46) break;
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  if (i === stop) {
    if (length - (negative ? 1 : 0) > MAX_DIGITS) return undefined;
    return negative ? -n : n;
  }
  const decimals = stop - i - 1;
  if (decimals < 1 || length - (negative ? 2 : 1) > MAX_DIGITS || data[stop - 1] === 48) return undefined;
  for (i++; i < stop; i++) {
    const c = data[i]!;
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  const value = n / POWERS_OF_TEN[decimals]!;
  if (value < 1e-6) return undefined;
  return negative ? -value : value;
}
