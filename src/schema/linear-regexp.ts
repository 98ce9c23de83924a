import { RE2JS } from 're2js';

/** A compiled schema pattern: what ajv and the fast row check call on a cell. */
export interface LinearRegExp {
  test(text: string): boolean;
  toString(): string;
}

/**
 * Compiles a schema `pattern` (ECMA-262 syntax) for RE2's engine, whose time is linear in the
 * length of the text: a pattern such as `^(a+)+$` cannot stall a worker on a hostile cell, as
 * JavaScript's backtracking RegExp does (one cell of 40 a's and a '!' takes it minutes). RE2 has
 * no backreferences or lookaround: such a pattern throws here, and is refused at enqueue
 * (findUnsupportedPattern). Pure JavaScript (re2js), so nothing native is built or downloaded.
 */
export function compileLinearRegExp(pattern: string): LinearRegExp {
  const compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
  return {
    test: (text) => compiled.test(text),
    // ajv keys its compiled patterns by this string: distinct patterns must give distinct keys.
    toString: () => `/${pattern}/`,
  };
}

/** ajv's `code.regExp` option: its `code` is only used by ajv's standalone code, never here. */
export const linearRegExpEngine = Object.assign((pattern: string, _flags: string): LinearRegExp => compileLinearRegExp(pattern), {
  code: 'compileLinearRegExp',
});

/** Where a schema uses a regular expression: `pattern` values and `patternProperties` keys. */
function* schemaPatterns(node: unknown, path: string): Generator<{ readonly where: string; readonly pattern: string }> {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* schemaPatterns(node[i], `${path}/${i}`);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    // `properties`, `enum`, `const`, `examples` and `default` hold names or values, not schemas:
    // a property named "pattern" is not the keyword.
    if (key === 'enum' || key === 'const' || key === 'examples' || key === 'default') continue;
    if (key === 'pattern' && typeof value === 'string' && !path.endsWith('/properties')) yield { where: `${path}/pattern`, pattern: value };
    if (key === 'patternProperties' && typeof value === 'object' && value !== null && !path.endsWith('/properties')) {
      for (const name of Object.keys(value)) yield { where: `${path}/patternProperties`, pattern: name };
    }
    yield* schemaPatterns(value, `${path}/${key}`);
  }
}

/**
 * The first regular expression of a schema that RE2 cannot compile, worded for the person who
 * wrote it (the keyword, where it is, and why), or null when every one compiles.
 */
export function findUnsupportedPattern(schema: unknown): string | null {
  for (const { where, pattern } of schemaPatterns(schema, '#')) {
    try {
      compileLinearRegExp(pattern);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return (
        `the regular expression ${JSON.stringify(pattern)} at ${where} cannot be used: schema patterns run on a linear-time engine (RE2), ` +
        `which has no backreferences (\\1) or lookaround ((?=, (?!, (?<=, (?<!) (${reason})`
      );
    }
  }
  return null;
}
