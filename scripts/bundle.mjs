// Bundles the command line (dist/cli/main.js, and dist/cli/start-ahead.js, which bin/importer.js
// runs before it), the worker processes' entry (dist/work/worker-entry.js) and the report's
// rendering thread (dist/report/render-worker.js) into dist/bundle/, with esbuild, from tsc's output.
//
// Why: every `importer` process, and every worker process, starts by loading a couple of hundred
// modules (commander, ioredis, pg, csv-parse, our own). Resolving and reading them is a large
// share of each process's start-up, and an import into PostgreSQL runs four (enqueue, work, two
// workers); bundled, each reads a few files.
//
// Dynamic imports stay separate chunks (--splitting), loaded only by the commands that need
// them. Left out, and loaded from node_modules at run time: native modules, the handler loader
// (jiti), and the large libraries only some commands load (exceljs, the AWS SDK, mysql2,
// nodemailer, the terminal's spinner and bar, the dashboard's web server). ajv and ajv-formats,
// loaded by require() when a schema is first compiled, go into one CommonJS file of their own,
// dist/bundle/ajv.cjs. The library itself (dist/index.js) is not bundled.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { AJV_PACKAGES } from '../dist/schema/compile-schema.js';

/**
 * pg (lib/stream.js) asks at load whether it runs in a Cloudflare Worker. On Node 20, which has no
 * `navigator`, it then reads the global `Response`, which loads Node's fetch (undici): ~15 ms of a
 * worker's start, on the way to its first COPY, for a class never used. The bundle is for Node
 * only, so the question is answered there; should pg word it differently, its own check stays.
 */
const pgOnNodeOnly = {
  name: 'pg-on-node-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const check = "typeof Response === 'function'";
      if (!source.includes(check)) return undefined;
      return { contents: source.replace(check, 'false'), loader: 'js' };
    });
  },
};

const out = 'dist/bundle';
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: ['dist/cli/start-ahead.js', 'dist/cli/main.js', 'dist/work/worker-entry.js', 'dist/report/render-worker.js'],
  entryNames: '[name]',
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  plugins: [pgOnNodeOnly],
  external: ['better-sqlite3', 'pg-native', 'jiti', 'exceljs', '@aws-sdk/*', 'mysql2', 'nodemailer', 'ora', 'cli-progress', 'fastify'],
  // CommonJS packages inside an ES module bundle call require() for Node's own modules.
  banner: { js: "import { createRequire as __importerRequire } from 'node:module'; const require = __importerRequire(import.meta.url);" },
});
// ajv and ajv-formats stay CommonJS, loaded on first use by src/schema/compile-schema.ts: one file
// of them next to the bundle, exporting each of its AJV_PACKAGES under its name.
const ajvParts = Object.entries(AJV_PACKAGES);
await build({
  stdin: { contents: `module.exports = { ${ajvParts.map(([name, pkg]) => `${name}: require(${JSON.stringify(pkg)})`).join(', ')} };`, resolveDir: process.cwd(), loader: 'js' },
  outfile: `${out}/ajv.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
const ajvModules = createRequire(import.meta.url)(resolve(`${out}/ajv.cjs`));
for (const [name] of ajvParts) {
  if (typeof ajvModules[name]?.default !== 'function') throw new Error(`${out}/ajv.cjs: ${name} has no default export`);
}
// The Lua scripts are read next to the code that loads them (src/redis/scripts.ts).
mkdirSync(`${out}/scripts`, { recursive: true });
cpSync('src/redis/scripts', `${out}/scripts`, { recursive: true, filter: (p) => !p.endsWith('.ts') });
