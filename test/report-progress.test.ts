import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, runCli } from './helpers/cli.js';
import { cleanPrefix, openRedis, testPrefix } from './helpers/redis.js';
import { csvLine, tempDir, writeFile } from './helpers/files.js';
import type { ImporterRedis } from '../src/redis/scripts.js';

const ROWS = 9000;
const prefix = testPrefix();
const dir = tempDir();
let redis: ImporterRedis;
let csv: string;
let schema: string;

beforeAll(async () => {
  redis = await openRedis();
  const lines = [['id', 'email']];
  // Every tenth row fails, so the report writes both the Errors and the Imported sheet.
  for (let i = 1; i <= ROWS; i++) lines.push([String(i), i % 10 === 0 ? 'not-an-email' : `user${i}@example.com`]);
  csv = writeFile(dir.path, 'people.csv', lines.map(csvLine).join('\n') + '\n');
  schema = writeFile(dir.path, 'people.schema.json', JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, email: { type: 'string', format: 'email' } }, required: ['id'] }));
});
afterAll(async () => {
  await cleanPrefix(redis, prefix);
  await redis.quit();
  dir.remove();
});

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/** The command line run under a pseudo-terminal (util-linux `script`): what a person's terminal receives. */
function underTerminal(args: readonly string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: dir.path, env: { ...process.env, IMPORTER_PREFIX: prefix, COLUMNS: '160' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe("the report's own progress", () => {
  it.skipIf(!hasScript)('a terminal sees the report bar, rows written of the total, after the import bar of `run`', { timeout: 120_000 }, async () => {
    const { code, screen } = await underTerminal(['run', csv, '--schema', schema, '--target', `sqlite:${join(dir.path, 'run.db')}`, '--out', join(dir.path, 'run.xlsx'), '--ttl', '0', '--processes', '1']);
    expect(code, screen).toBe(3);
    const importAt = screen.lastIndexOf('Import [');
    const reportAt = screen.indexOf('Report [');
    expect(importAt, screen).toBeGreaterThanOrEqual(0);
    expect(reportAt, screen).toBeGreaterThan(importAt);
    // The last state the bar drew: every row of both sheets written.
    expect(screen.slice(reportAt)).toMatch(new RegExp(`Report \\[[^\\]]*\\] 100% \\| ${ROWS}/${ROWS} rows`));
  });

  it.skipIf(!hasScript)('`report` alone shows it too; without a terminal nothing is drawn', { timeout: 120_000 }, async () => {
    const enq = await runCli(['enqueue', csv, '--schema', schema, '--target', `sqlite:${join(dir.path, 'alone.db')}`], { env: { IMPORTER_PREFIX: prefix } });
    expect(enq.code, enq.stderr).toBe(0);
    const id = enq.stdout.trim();
    const work = await runCli(['work', '--until-idle', '--import', id], { env: { IMPORTER_PREFIX: prefix } });
    expect(work.code, work.stderr).toBe(0);

    const quiet = await runCli(['report', id, '--out', join(dir.path, 'quiet.xlsx'), '--ttl', '0'], { env: { IMPORTER_PREFIX: prefix } });
    expect(quiet.code, quiet.stderr).toBe(3);
    expect(quiet.stderr).toBe('');

    const { code, screen } = await underTerminal(['report', id, '--out', join(dir.path, 'alone.xlsx'), '--ttl', '0']);
    expect(code, screen).toBe(3);
    expect(screen).toMatch(new RegExp(`Report \\[[^\\]]*\\] 100% \\| ${ROWS}/${ROWS} rows`));
    expect(screen).toContain(`Report written to ${join(dir.path, 'alone.xlsx')}`);
  });
});
