#!/usr/bin/env node
// Shim: the command line is compiled from src/cli/main.ts into dist/ and bundled into
// dist/bundle/ (scripts/bundle.mjs) by `npm install` (prepare).
import '../dist/bundle/main.js';
