// Writes the corpus files from corpus.ts: npx jiti test/corpus/make-corpus.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HOSTILE_FILES, PEOPLE_FILES, peopleBytes } from './corpus.js';

const dir = fileURLToPath(new URL('./files/', import.meta.url));
mkdirSync(dir, { recursive: true });
for (const file of PEOPLE_FILES) writeFileSync(dir + file.file, peopleBytes(file));
for (const file of HOSTILE_FILES) writeFileSync(dir + file.file, file.bytes);
console.log(`wrote ${PEOPLE_FILES.length + HOSTILE_FILES.length} files to ${dir}`);
