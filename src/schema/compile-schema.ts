import { Ajv, type ValidateFunction, type AnySchema } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

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

// ajv-formats ships as CommonJS with a default export.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

function makeAjv(schema: Record<string, unknown>): Ajv {
  const draft = typeof schema['$schema'] === 'string' ? schema['$schema'] : '';
  const options = { allErrors: true, coerceTypes: true, strict: false, validateSchema: true } as const;
  const ajv: Ajv = draft.includes('2020-12')
    ? new Ajv2020(options)
    : draft.includes('2019-09')
      ? new Ajv2019(options)
      : new Ajv(options);
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'unique', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: ['string', 'object'] });
  return ajv;
}

/**
 * Compiles an import schema: a JSON Schema for one row as an object keyed by column name.
 * Throws with ajv's words when the schema itself is invalid.
 */
export function compileSchema(parsed: unknown): ImportSchema {
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
  const ajv = makeAjv(root);
  const validate = ajv.compile(root as AnySchema);
  return { validate, root, format: (name) => ajv.formats[name], properties, required };
}
