import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv, ValidateFunction, AnySchema, Options } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { linearRegExpEngine } from './linear-regexp.js';

/** A property of the import's schema, as far as the importer reads it for messages and types. */
export interface PropertySchema {
  readonly type?: string | readonly string[];
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  /** A number since draft-06; draft-04's boolean form (with minimum) is read too. */
  readonly exclusiveMinimum?: number | boolean;
  readonly exclusiveMaximum?: number | boolean;
  readonly multipleOf?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly unique?: boolean;
  /**
   * The importer's own keyword: the message a person reads for any error in this column, or one
   * per keyword (`{"required": "...", "format": "...", "default": "..."}`).
   */
  readonly errorMessage?: string | Readonly<Record<string, string>>;
  readonly title?: string;
}

export interface ImportSchema {
  readonly validate: ValidateFunction;
  /** The schema as parsed (for the fast path of row checks, see fast-row-check.ts). */
  readonly root: Readonly<Record<string, unknown>>;
  /** A format as ajv holds it, by name (undefined when unknown). */
  readonly format: (name: string) => unknown;
  readonly properties: Readonly<Record<string, PropertySchema>>;
  readonly required: readonly string[];
}

// ajv and ajv-formats (CommonJS) are loaded when a schema is first compiled, not with this module:
// a worker whose rows all pass the fast check (fast-row-check.ts) never needs them, and loading
// and compiling them is a noticeable part of a worker process's start-up. The bundled command line
// has them in one file beside it (dist/bundle/ajv.cjs, made from AJV_PACKAGES by
// scripts/bundle.mjs); the library loads them from their packages.
type AjvClass = new (options: Options) => Ajv;
type AddFormats = (ajv: Ajv) => Ajv;
type AjvPart = 'ajv' | 'ajv2019' | 'ajv2020' | 'formats';
/** ajv's drafts and ajv-formats, by the name the bundled file exports each under. */
export const AJV_PACKAGES: Readonly<Record<AjvPart, string>> = { ajv: 'ajv', ajv2019: 'ajv/dist/2019', ajv2020: 'ajv/dist/2020', formats: 'ajv-formats' };
const load = createRequire(import.meta.url);
const BUNDLED = new URL('./ajv.cjs', import.meta.url);
/** The bundled file's exports; false when there is none (looked for once). */
let bundled: Readonly<Record<AjvPart, { default: unknown }>> | false | undefined;

/** One of AJV_PACKAGES, from the bundled file when there is one. */
function ajvModule(name: AjvPart): { default: unknown } {
  if (bundled === undefined) bundled = BUNDLED.protocol === 'file:' && existsSync(BUNDLED) ? (load(fileURLToPath(BUNDLED)) as Record<AjvPart, { default: unknown }>) : false;
  return bundled ? bundled[name] : (load(AJV_PACKAGES[name]) as { default: unknown });
}

function makeAjv(schema: Record<string, unknown>): Ajv {
  const draft = typeof schema['$schema'] === 'string' ? schema['$schema'] : '';
  // Patterns run on RE2 (linear-regexp.ts): no schema pattern can stall a worker on one cell.
  const options = { allErrors: true, coerceTypes: true, strict: false, validateSchema: true, code: { regExp: linearRegExpEngine } } as const;
  const AjvOfDraft = ajvModule(draft.includes('2020-12') ? 'ajv2020' : draft.includes('2019-09') ? 'ajv2019' : 'ajv').default as AjvClass;
  const ajv = new AjvOfDraft(options);
  (ajvModule('formats').default as AddFormats)(ajv);
  ajv.addKeyword({ keyword: 'unique', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: ['string', 'object'] });
  return ajv;
}

/**
 * Compiles an import schema: a JSON Schema for one row as an object keyed by column name.
 * Throws with ajv's words when the schema itself is invalid. `lazy`: ajv compiles it when
 * `validate` is first used (for a schema the enqueue has compiled already: a worker's).
 */
export function compileSchema(parsed: unknown, options: { readonly lazy?: boolean } = {}): ImportSchema {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('the schema must be a JSON object describing one row');
  }
  const root = parsed as Record<string, unknown>;
  if (root['type'] !== undefined && root['type'] !== 'object') {
    throw new Error('the schema\'s "type" must be "object": it describes one row');
  }
  const properties = (root['properties'] ?? {}) as Record<string, PropertySchema>;
  if (typeof properties !== 'object' || Array.isArray(properties)) {
    throw new Error('"properties" must be an object of column name to column schema');
  }
  const required = Array.isArray(root['required']) ? (root['required'] as string[]) : [];
  let validate: ValidateFunction | null = null;
  const compiled = (): ValidateFunction => (validate ??= makeAjv(root).compile(root as AnySchema));
  if (!options.lazy) compiled();
  return {
    get validate() {
      return compiled();
    },
    root,
    // ajv-formats' own objects, as makeAjv's ajv holds them (fast-row-check.ts compares them).
    format: (name) => (Object.prototype.hasOwnProperty.call(fullFormats, name) ? fullFormats[name as keyof typeof fullFormats] : undefined),
    properties,
    required,
  };
}
