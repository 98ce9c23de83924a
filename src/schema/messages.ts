import type { ErrorObject } from 'ajv';
import type { PropertySchema } from './compile-schema.js';

/**
 * Turns validator errors into sentences a person understands, each naming its column. Any
 * detail that varies from row to row goes last, in parentheses, so that messages group well.
 */

function typeOf(schema: PropertySchema | undefined): string | undefined {
  const t = schema?.type;
  return Array.isArray(t) ? t.find((x) => x !== 'null') : (t as string | undefined);
}

interface Bound {
  readonly value: number;
  readonly strict: boolean;
}

/** The tighter of `minimum`/`exclusiveMinimum` (draft-04's boolean form included). */
function lowerBound(schema: PropertySchema): Bound | undefined {
  const { minimum, exclusiveMinimum } = schema;
  if (typeof exclusiveMinimum === 'number' && (minimum === undefined || exclusiveMinimum >= minimum)) return { value: exclusiveMinimum, strict: true };
  if (minimum !== undefined) return { value: minimum, strict: exclusiveMinimum === true };
  return undefined;
}

function upperBound(schema: PropertySchema): Bound | undefined {
  const { maximum, exclusiveMaximum } = schema;
  if (typeof exclusiveMaximum === 'number' && (maximum === undefined || exclusiveMaximum <= maximum)) return { value: exclusiveMaximum, strict: true };
  if (maximum !== undefined) return { value: maximum, strict: exclusiveMaximum === true };
  return undefined;
}

/** " from 0 to 150", " greater than 0", " of at least 1 and less than 10", or "". */
function range(schema: PropertySchema): string {
  const low = lowerBound(schema);
  const high = upperBound(schema);
  if (low && high && !low.strict && !high.strict) return ` from ${low.value} to ${high.value}`;
  const lowText = low ? (low.strict ? `greater than ${low.value}` : `of at least ${low.value}`) : '';
  const highText = high ? (high.strict ? `less than ${high.value}` : `of at most ${high.value}`) : '';
  if (lowText && highText) return ` ${lowText} and ${highText.replace(/^of /, '')}`;
  return lowText || highText ? ` ${lowText || highText}` : '';
}

/** "must be a whole number from 0 to 150": the column's whole expectation in one phrase. */
export function expectation(schema: PropertySchema | undefined): string {
  if (!schema) return 'is not valid';
  const type = typeOf(schema);
  if (type === 'integer') return `must be a whole number${range(schema)}`;
  if (type === 'number') return `must be a number${range(schema)}`;
  if (type === 'boolean') return 'must be yes or no (yes/no, true/false, 1/0)';
  if (type === 'null') return 'must be empty';
  return 'is not valid';
}

const FORMAT_WORDS: Readonly<Record<string, string>> = {
  email: 'must be a valid email address',
  'idn-email': 'must be a valid email address',
  date: 'must be a date as YYYY-MM-DD',
  'date-time': 'must be a date and time as YYYY-MM-DDTHH:MM:SS with a time zone (Z or +01:00)',
  'iso-date-time': 'must be a date and time as YYYY-MM-DDTHH:MM:SS',
  time: 'must be a time as HH:MM:SS with a time zone (Z or +01:00)',
  'iso-time': 'must be a time as HH:MM:SS',
  duration: 'must be a duration such as P3D or PT2H30M',
  uri: 'must be a full URL such as https://example.com',
  url: 'must be a full URL such as https://example.com',
  iri: 'must be a full URL such as https://example.com',
  'uri-reference': 'must be a URL or a path',
  'iri-reference': 'must be a URL or a path',
  'uri-template': 'must be a URI template',
  uuid: 'must be a UUID such as 123e4567-e89b-12d3-a456-426614174000',
  ipv4: 'must be an IPv4 address such as 192.168.0.1',
  ipv6: 'must be an IPv6 address',
  hostname: 'must be a host name such as example.com',
  'idn-hostname': 'must be a host name such as example.com',
  regex: 'must be a regular expression',
  'json-pointer': 'must be a JSON pointer such as /a/b',
  'relative-json-pointer': 'must be a relative JSON pointer',
  byte: 'must be base64-encoded data',
  int32: 'must be a whole number from -2147483648 to 2147483647',
  int64: 'must be a whole number',
  float: 'must be a number',
  double: 'must be a number',
};

const COMPARISONS: Readonly<Record<string, string>> = { '>=': 'at least', '<=': 'at most', '>': 'greater than', '<': 'less than' };

function compared(params: Record<string, unknown>): string {
  const comparison = String(params['comparison']);
  return `must be ${COMPARISONS[comparison] ?? comparison} ${String(params['limit'])}`;
}

function lengthPhrase(schema: PropertySchema): string {
  const { minLength: min, maxLength: max } = schema;
  if (min !== undefined && max !== undefined) return min === max ? `must be exactly ${min} characters long` : `must be ${min} to ${max} characters long`;
  if (min !== undefined) return min === 1 ? 'must not be empty' : `must be at least ${min} characters long`;
  if (max !== undefined) return `must be at most ${max} characters long`;
  return 'has the wrong length';
}

const MAX_LISTED = 12;

function listOf(values: readonly unknown[]): string {
  const shown = values.slice(0, MAX_LISTED).map((v) => (v === null ? 'empty' : typeof v === 'string' ? v : JSON.stringify(v)));
  return values.length > MAX_LISTED ? `${shown.join(', ')}, ... (${values.length} values)` : shown.join(', ');
}

function phrase(error: ErrorObject, schema: PropertySchema | undefined): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      if (params['type'] === 'string') return 'must be text';
      return schema ? expectation(schema) : `must be of type ${String(params['type'])}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const type = typeOf(schema);
      return schema && (type === 'integer' || type === 'number') ? expectation(schema) : compared(params);
    }
    case 'multipleOf':
      return `must be a multiple of ${String(params['multipleOf'])}`;
    case 'enum':
      return `must be one of: ${listOf(params['allowedValues'] as unknown[])}`;
    case 'const':
      return `must be ${listOf([params['allowedValue']])}`;
    case 'pattern':
      return `is not in the expected form (pattern ${String(params['pattern'])})`;
    case 'format':
      return FORMAT_WORDS[String(params['format'])] ?? `must be a valid ${String(params['format'])}`;
    case 'formatMinimum':
    case 'formatMaximum':
    case 'formatExclusiveMinimum':
    case 'formatExclusiveMaximum':
      return compared(params);
    case 'minLength':
    case 'maxLength':
      return schema ? lengthPhrase(schema) : error.message ?? 'has the wrong length';
    case 'anyOf':
      return 'does not match any of the accepted forms';
    case 'oneOf':
      return params['passingSchemas'] ? 'matches more than one of the accepted forms' : 'does not match any of the accepted forms';
    case 'not':
    case 'false schema':
      return 'is not allowed';
    case 'minProperties':
      return `must have at least ${String(params['limit'])} values filled in`;
    case 'maxProperties':
      return `must have at most ${String(params['limit'])} values filled in`;
    default:
      return error.message ?? 'is not valid';
  }
}

/** The schema's own message for the column: one string, or one per keyword with an optional default. */
function ownMessage(schema: PropertySchema | undefined, keyword: string): string | undefined {
  const own = schema?.errorMessage;
  if (typeof own === 'string') return own;
  if (own && typeof own === 'object') return own[keyword] ?? own['default'];
  return undefined;
}

/** Errors of the branches of a failed anyOf/oneOf say less than the failure itself; `if` is told by its `then`. */
function worthTelling(errors: readonly ErrorObject[]): ErrorObject[] {
  const branches = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  return errors.filter((e) => e.keyword !== 'if' && !branches.some((prefix) => e.schemaPath.startsWith(prefix)));
}

/** Messages for one row, at most one per column and keyword family, in column order of errors. */
export function describeErrors(
  errors: readonly ErrorObject[],
  properties: Readonly<Record<string, PropertySchema>>,
): string[] {
  const messages: string[] = [];
  const seen = new Set<string>();
  for (const error of worthTelling(errors)) {
    const params = error.params as Record<string, unknown>;
    let column: string;
    let text: string | undefined;
    switch (error.keyword) {
      case 'required':
        column = String(params['missingProperty']);
        text = ownMessage(properties[column], 'required') ?? 'is required';
        break;
      case 'dependencies':
      case 'dependentRequired':
        column = String(params['missingProperty']);
        text = ownMessage(properties[column], 'required') ?? `is required when ${String(params['property'])} is given`;
        break;
      case 'additionalProperties':
      case 'unevaluatedProperties':
        column = String(params['additionalProperty'] ?? params['unevaluatedProperty']);
        text = 'is not an expected column';
        break;
      default: {
        column = decodePointer(error.instancePath);
        const schema = column ? properties[column] : undefined;
        text = ownMessage(schema, error.keyword) ?? phrase(error, schema);
      }
    }
    const message = sentence(column, text);
    if (!seen.has(message)) {
      seen.add(message);
      messages.push(message);
    }
  }
  return messages;
}

/** A schema's own message may name its column already ("country must be ..."); else prefix it. */
function sentence(column: string, text: string): string {
  if (!column) return `row ${text}`;
  return text.toLowerCase().startsWith(column.toLowerCase()) ? text : `${column} ${text}`;
}

function decodePointer(pointer: string): string {
  const first = pointer.split('/')[1] ?? '';
  return first.replace(/~1/g, '/').replace(/~0/g, '~');
}
