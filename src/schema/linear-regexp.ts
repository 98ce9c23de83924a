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
  const inner = anchoredInner(pattern);
  // Most schema patterns are anchored at both ends: a full match of what lies between the anchors
  // gives the same verdict, and re2js runs it several times faster than a search for the whole pattern.
  if (inner !== null) {
    const exact = RE2JS.compile(RE2JS.translateRegExp(`(?:${inner})`));
    return { test: (text) => exact.testExact(text), toString: () => `/${pattern}/` };
  }
  const compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
  return {
    test: (text) => compiled.test(text),
    // ajv keys its compiled patterns by this string: distinct patterns must give distinct keys.
    toString: () => `/${pattern}/`,
  };
}

/**
 * What lies between a pattern's leading `^` and trailing `$` when they anchor the whole of it
 * (no `|` outside groups and classes, the `$` not escaped); else null.
 */
export function anchoredInner(pattern: string): string | null {
  if (pattern.length < 2 || !pattern.startsWith('^') || !pattern.endsWith('$')) return null;
  const inner = pattern.slice(1, -1);
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '\\') {
      if (i === inner.length - 1) return null; // the final `$` is escaped: a literal dollar
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return null;
  }
  return depth === 0 && !inClass ? inner : null;
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
