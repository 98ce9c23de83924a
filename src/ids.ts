import { randomBytes } from 'node:crypto';
import { usageError } from './errors.js';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A new import id: sortable by time, unique enough across machines. */
export function newImportId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * A new incarnation id: made once when an import's record is created, so that an import created
 * again under an old id (after `purge`, after its keys expired, or beside it under another
 * `--prefix`) is told apart from the old one in the target's ledger. 96 random bits, hex.
 */
export function newIncarnation(): string {
  return randomBytes(12).toString('hex');
}

export function checkImportId(id: string): string {
  if (!ID_PATTERN.test(id)) {
    throw usageError(`invalid import id "${id}": use 1 to 64 letters, digits, dots, dashes or underscores`);
  }
  return id;
}
