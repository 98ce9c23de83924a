/** mulberry32: a small seeded generator whose low bits are as random as its high ones. Gives 0..n-1. */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/**
 * A number as a CSV field might write it, signed one time in four: an integer of up to
 * `maxDigits` digits, a decimal, a `0.` decimal (both with up to `maxDecimals` decimals), or
 * one with an exponent. Leading and trailing zeros come as they fall.
 */
export function randomNumberField(random: (n: number) => number, maxDigits: number, maxDecimals: number): string {
  const digits = (n: number): string => Array.from({ length: n }, () => String(random(10))).join('');
  const sign = random(4) === 0 ? '-' : '';
  return [
    () => sign + digits(1 + random(maxDigits)),
    () => `${sign}${digits(1 + random(9))}.${digits(1 + random(maxDecimals))}`,
    () => `${sign}0.${digits(random(maxDecimals))}`,
    () => `${sign}${digits(1 + random(3))}e${random(30)}`,
  ][random(4)]!();
}
