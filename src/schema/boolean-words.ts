const TRUE_WORDS = ['true', 'yes', 'y', '1', 'on'];
const FALSE_WORDS = ['false', 'no', 'n', '0', 'off'];
const WORDS = new Map<string, boolean>([...TRUE_WORDS.map((w) => [w, true] as const), ...FALSE_WORDS.map((w) => [w, false] as const)]);
/** The words as files usually write them (lower, upper and capitalised case): read without a copy. */
const WRITTEN = new Map<string, boolean>();
for (const [word, value] of WORDS) {
  for (const written of [word, word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1)]) WRITTEN.set(written, value);
}

/** A cell of a boolean column as true or false (yes/no, true/false, 1/0, y/n, on/off, any case, spaces around), else undefined. */
export function booleanFromWord(text: string): boolean | undefined {
  return WRITTEN.get(text) ?? WORDS.get(text.trim().toLowerCase());
}
