// Copies the Lua scripts next to the compiled code: tsc only emits .js.
import { cpSync, mkdirSync } from 'node:fs';
mkdirSync('dist/redis/scripts', { recursive: true });
cpSync('src/redis/scripts', 'dist/redis/scripts', { recursive: true, filter: (p) => !p.endsWith('.ts') });
