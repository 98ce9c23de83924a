import { readFile } from 'node:fs/promises';

/** The page's three files: served as they are, no build step. */
export const PAGE_FILES = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
} as const;

export type PagePath = keyof typeof PAGE_FILES;

/**
 * The page lives in src/dashboard/page/ of the package (shipped: package.json "files" has src).
 * This module runs from src/dashboard/ (tests), dist/dashboard/ (the library) or dist/bundle/
 * (the command line's bundle): two levels below the package's root in each case.
 */
const PAGE_DIR = new URL('../../src/dashboard/page/', import.meta.url);

/** The files read once, at start: a missing one fails the start, not a request. */
export async function loadPage(): Promise<Map<PagePath, { body: Buffer; type: string }>> {
  const files = new Map<PagePath, { body: Buffer; type: string }>();
  for (const [path, { file, type }] of Object.entries(PAGE_FILES) as [PagePath, { file: string; type: string }][]) {
    files.set(path, { body: await readFile(new URL(file, PAGE_DIR)), type });
  }
  return files;
}
