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

function range(schema: PropertySchema): string {
  const min = schema.minimum ?? schema.exclusiveMinimum;
  const max = schema.maximum ?? schema.exclusiveMaximum;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return schema.minimum !== undefined ? ` of at least ${min}` : ` greater than ${min}`;
  if (max !== undefined) return schema.maximum !== undefined ? ` of at most ${max}` : ` less than ${max}`;
  return '';
}

/** "must be a whole number from 0 to 150": the column's whole expectation in one phrase. */
export function expectation(schema: PropertySchema | undefined): string {
  if (!schema) return 'is not valid';
  const type = typeOf(schema);
  if (type === 'integer') return `must be a whole number${range(schema)}`;
  if (type === 'number') return `must be a number${range(schema)}`;
  if (type === 'boolean') return 'must be yes or no (yes/no, true/false, 1/0)';
  return 'is not valid';
}

const FORMAT_WORDS: Record<string, string> = {
  email: 'must be a valid email address',
  date: 'must be a date as YYYY-MM-DD',
  'date-time': 'must be a date and time as YYYY-MM-DDTHH:MM:SS with a time zone',
  time: 'must be a time as HH:MM:SS',
  uri: 'must be a full URL such as https://example.com',
  url: 'must be a full URL such as https://example.com',
  uuid: 'must be a UUID',
  ipv4: 'must be an IPv4 address',
  ipv6: 'must be an IPv6 address',
  hostname: 'must be a host name',
};

function lengthPhrase(schema: PropertySchema): string {
  const { minLength: min, maxLength: max } = schema;
  if (min !== undefined && max !== undefined) return min === max ? `must be exactly ${min} characters long` : `must be ${min} to ${max} characters long`;
  if (min !== undefined) return min === 1 ? 'must not be empty' : `must be at least ${min} characters long`;
  if (max !== undefined) return `must be at most ${max} characters long`;
  return 'has the wrong length';
}

function phrase(error: ErrorObject, schema: PropertySchema | undefined): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      if (params['type'] === 'string') return 'must be text';
      return expectation(schema);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return schema && typeOf(schema) ? expectation(schema) : `must be ${String(params['comparison'])} ${String(params['limit'])}`;
    case 'enum':
      return `must be one of: ${(params['allowedValues'] as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be ${String(params['allowedValue'])}`;
    case 'pattern':
      return `is not in the expected form (pattern ${String(params['pattern'])})`;
    case 'format':
      return FORMAT_WORDS[String(params['format'])] ?? `must be a valid ${String(params['format'])}`;
    case 'minLength':
    case 'maxLength':
      return schema ? lengthPhrase(schema) : error.message ?? 'has the wrong length';
    default:
      return error.message ?? 'is not valid';
  }
}

/** Messages for one row, at most one per column and keyword family, in column order of errors. */
export function describeErrors(
  errors: readonly ErrorObject[],
  properties: Readonly<Record<string, PropertySchema>>,
): string[] {
  const messages: string[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'required') {
      const column = String((error.params as { missingProperty: string }).missingProperty);
      const text = properties[column]?.errorMessage ?? 'is required';
      messages.push(...once(seen, sentence(column, text)));
      continue;
    } else if (error.keyword === 'additionalProperties') {
      const column = String((error.params as { additionalProperty: string }).additionalProperty);
      const text = 'is not an expected column';
      messages.push(...once(seen, sentence(column, text)));
      continue;
    }
    const column = decodePointer(error.instancePath);
    const schema = column ? properties[column] : undefined;
    const text = schema?.errorMessage ?? phrase(error, schema);
    messages.push(...once(seen, sentence(column, text)));
  }
  return messages;
}

/** A schema's own message may name its column already ("country must be ..."); else prefix it. */
function sentence(column: string, text: string): string {
  if (!column) return `row ${text}`;
  return text.toLowerCase().startsWith(column.toLowerCase()) ? text : `${column} ${text}`;
}

function once(seen: Set<string>, message: string): string[] {
  if (seen.has(message)) return [];
  seen.add(message);
  return [message];
}

function decodePointer(pointer: string): string {
  const first = pointer.split('/')[1] ?? '';
  return first.replace(/~1/g, '/').replace(/~0/g, '~');
}
