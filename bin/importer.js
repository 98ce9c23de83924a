#!/usr/bin/env node
// Shim: the command line is compiled from src/cli/main.ts into dist/ and bundled into
// dist/bundle/ (scripts/bundle.mjs) by `npm install` (prepare).
// V8's young generation is held at its first size while the command line loads: loading alone
// grew it several times over, and V8 never gives that back. Each command then lets it grow as far as
// suits it (src/heap-flags.ts).
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--semi-space-growth-factor=1');
await import('../dist/bundle/main.js');
