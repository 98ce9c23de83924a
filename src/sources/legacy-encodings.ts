import { createRequire } from 'node:module';

type IconvLite = typeof import('iconv-lite');

const load = createRequire(import.meta.url);
let loaded: IconvLite | null = null;

/**
 * iconv-lite, loaded the first time a legacy encoding (windows-1252, shift_jis, ...) is named or
 * read, not with the modules that may need it: its tables are half a megabyte of code, which every
 * process of an import (enqueue and workers alike, most of them reading UTF-8) would otherwise
 * parse at start-up.
 */
export function iconvLite(): IconvLite {
  return (loaded ??= load('iconv-lite') as IconvLite);
}
