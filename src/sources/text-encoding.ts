import { iconvLite } from './legacy-encodings.js';
import { optionError } from '../errors.js';

/** How a file's bytes become text: UTF-8 is checked and passed on; the rest is transcoded to UTF-8. */
export type TextEncoding =
  | { readonly kind: 'utf-8' }
  | { readonly kind: 'utf-16le' }
  | { readonly kind: 'utf-16be' }
  /** A legacy encoding iconv-lite knows (windows-1252, iso-8859-1, shift_jis, ...). */
  | { readonly kind: 'legacy'; readonly name: string };

export const UTF8: TextEncoding = { kind: 'utf-8' };

/** The encoding a person named with --encoding; unknown names are a usage error. */
export function parseEncoding(name: string): TextEncoding {
  const label = name.trim().toLowerCase();
  if (label === 'utf-8' || label === 'utf8') return UTF8;
  if (['utf-16', 'utf16', 'utf-16le', 'utf16le', 'ucs-2', 'ucs2'].includes(label)) return { kind: 'utf-16le' };
  if (label === 'utf-16be' || label === 'utf16be') return { kind: 'utf-16be' };
  if (label !== '' && iconvLite().encodingExists(label)) return { kind: 'legacy', name: label };
  throw optionError((o) => `${o('encoding')}: unknown encoding "${name}"; use for example utf-8, utf-16le, utf-16be, windows-1252 or iso-8859-1`);
}

export function encodingName(encoding: TextEncoding): string {
  return encoding.kind === 'legacy' ? encoding.name : encoding.kind;
}

/** Decodes the first bytes of a file leniently, for guessing its dialect only. */
export function decodeSample(bytes: Buffer, encoding: TextEncoding): string {
  switch (encoding.kind) {
    case 'utf-8':
      return bytes.toString('utf8');
    case 'utf-16le':
      return bytes.subarray(0, bytes.length & ~1).toString('utf16le');
    case 'utf-16be':
      return Buffer.from(bytes.subarray(0, bytes.length & ~1)).swap16().toString('utf16le');
    case 'legacy':
      return iconvLite().decode(bytes, encoding.name);
  }
}
