import { readFile } from 'node:fs/promises';
import { inputError, errorMessage } from '../errors.js';
import { compileSchema, type ImportSchema } from './compile-schema.js';
import { findUnsupportedPattern } from './linear-regexp.js';

/** Reads a JSON Schema file, reporting bad JSON with its line and column. */
export async function loadSchemaFile(path: string): Promise<{ text: string; schema: ImportSchema }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw inputError(`cannot read schema ${path}: ${errorMessage(err)}`, err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw inputError(`schema ${path} is not valid JSON: ${describeJsonError(text, err)}`, err);
  }
  // Refused here, with the keyword named, rather than as ajv's words or as every row failing.
  const unsupported = findUnsupportedPattern(parsed);
  if (unsupported) throw inputError(`schema ${path}: ${unsupported}`);
  try {
    return { text: JSON.stringify(parsed), schema: compileSchema(parsed) };
  } catch (err) {
    throw inputError(`schema ${path} is not a valid JSON Schema: ${errorMessage(err)}`, err);
  }
}

function describeJsonError(text: string, err: unknown): string {
  const message = errorMessage(err);
  const match = /position (\d+)/.exec(message);
  if (!match) return message;
  const position = Number(match[1]);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`;
}
