#!/usr/bin/env node
// Shim: the command line is compiled from src/cli/main.ts into dist/ and bundled into
// dist/bundle/ (scripts/bundle.mjs) by `npm install` (prepare). What must start before the
// command line loads (V8's young generation held at its size, a report's rendering thread) is
// src/cli/start-ahead.ts.
const { startAhead } = await import('../dist/bundle/start-ahead.js');
startAhead(process.argv.slice(2));
await import('../dist/bundle/main.js');
