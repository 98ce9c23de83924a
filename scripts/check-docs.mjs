#!/usr/bin/env node
// Checks the Markdown documentation: every relative link points at a file that exists and, with
// a #fragment, at a heading of that file (GitHub's anchor rules); and every --flag the command
// line defines in src/cli/ is documented in README.md or docs/. Prints each problem and exits 1
// if there is any. Run: node scripts/check-docs.mjs
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const skip = new Set(['node_modules', '.git', 'dist', '.bench', 'coverage']);

function walk(dir, keep) {
  const found = [];
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...walk(path, keep));
    else if (keep(name)) found.push(path);
  }
  return found;
}

/** GitHub's heading anchor: lower case, punctuation dropped, each space a hyphen; repeats get -1, -2. */
function anchorsOf(markdown) {
  const anchors = new Set();
  const seen = new Map();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

const problems = [];
const markdownFiles = walk(root, (name) => name.endsWith('.md'));
const anchorCache = new Map();
const anchorsIn = (file) => {
  if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(readFileSync(file, 'utf8')));
  return anchorCache.get(file);
};

for (const file of markdownFiles) {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const link = match[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
    const [pathPart, fragment] = link.split('#', 2);
    const target = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    const where = relative(root, file);
    if (!existsSync(target)) {
      problems.push(`${where}: link to a missing file: ${link}`);
      continue;
    }
    if (fragment !== undefined && target.endsWith('.md') && !anchorsIn(target).has(fragment)) {
      problems.push(`${where}: link to a missing heading: ${link}`);
    }
  }
}

const documented = [join(root, 'README.md'), ...walk(join(root, 'docs'), (name) => name.endsWith('.md'))]
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');
const flags = new Set();
for (const file of walk(join(root, 'src', 'cli'), (name) => name.endsWith('.ts'))) {
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/(?:option|Option)\(\s*['"`](?:-\w, )?(--[a-z0-9-]+)/g)) flags.add(match[1]);
}
for (const flag of [...flags].sort()) {
  if (!new RegExp(`${flag}(?![a-z0-9-])`).test(documented)) problems.push(`flag not documented in README.md or docs/: ${flag}`);
}

for (const problem of problems) console.log(problem);
console.log(`${markdownFiles.length} Markdown files, ${flags.size} flags checked: ${problems.length} problem(s)`);
process.exitCode = problems.length > 0 ? 1 : 0;
