#!/usr/bin/env node
// Shim: the command line is compiled from src/cli/main.ts into dist/ by `npm install` (prepare).
import '../dist/cli/main.js';
