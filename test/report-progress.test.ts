import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { csvLine, writeFile } from './helpers/files.js';
import { useScratch } from './helpers/scratch.js';
import { HAS_SCRIPT, runOnTerminal } from './helpers/terminal.js';

const ROWS = 9000;
/** As the bar writes it, with thousands separators. */
const ROWS_SHOWN = ROWS.toLocaleString('en-US');
const scratch = useScratch();
const { dir: folder, env, cli } = scratch.corner();
const dir = { path: folder };
let csv: string;
let schema: string;

beforeAll(() => {
  const lines = [['id', 'email']];
  // Every tenth row fails, so the report writes both the Errors and the Imported sheet.
  for (let i = 1; i <= ROWS; i++) lines.push([String(i), i % 10 === 0 ? 'not-an-email' : `user${i}@example.com`]);
  csv = writeFile(dir.path, 'people.csv', lines.map(csvLine).join('\n') + '\n');
  schema = writeFile(dir.path, 'people.schema.json', JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, email: { type: 'string', format: 'email' } }, required: ['id'] }));
});

/** The command line run under a pseudo-terminal: what a person's terminal receives. */
async function underTerminal(args: readonly string[]): Promise<{ code: number | null; screen: string }> {
  const { code, stdout } = await runOnTerminal(args, { cwd: folder, env });
  return { code, screen: stdout };
}

const hasScript = HAS_SCRIPT;

describe("the report's own progress", () => {
  it.skipIf(!hasScript)('a terminal sees the report bar, rows written of the total, after the import bar of `run`', { timeout: 120_000 }, async () => {
    const { code, screen } = await underTerminal(['run', csv, '--schema', schema, '--target', `sqlite:${join(dir.path, 'run.db')}`, '--out', join(dir.path, 'run.xlsx'), '--ttl', '0', '--processes', '1']);
    expect(code, screen).toBe(3);
    const importAt = screen.lastIndexOf('Import [');
    const reportAt = screen.indexOf('Report [');
    expect(importAt, screen).toBeGreaterThanOrEqual(0);
    expect(reportAt, screen).toBeGreaterThan(importAt);
    // The last state the bar drew: every row of both sheets written.
    expect(screen.slice(reportAt)).toMatch(new RegExp(`Report \\[[^\\]]*\\] 100% \\| ${ROWS_SHOWN}/${ROWS_SHOWN} rows`));
  });

  it.skipIf(!hasScript)('`report` alone shows it too; without a terminal nothing is drawn', { timeout: 120_000 }, async () => {
    const enq = await cli(['enqueue', csv, '--schema', schema, '--target', `sqlite:${join(dir.path, 'alone.db')}`]);
    expect(enq.code, enq.stderr).toBe(0);
    const id = enq.stdout.trim();
    const work = await cli(['work', '--until-idle', '--import', id]);
    expect(work.code, work.stderr).toBe(0);

    const quiet = await cli(['report', id, '--out', join(dir.path, 'quiet.xlsx'), '--ttl', '0']);
    expect(quiet.code, quiet.stderr).toBe(3);
    expect(quiet.stderr).toBe('');

    const { code, screen } = await underTerminal(['report', id, '--out', join(dir.path, 'alone.xlsx'), '--ttl', '0']);
    expect(code, screen).toBe(3);
    expect(screen).toMatch(new RegExp(`Report \\[[^\\]]*\\] 100% \\| ${ROWS_SHOWN}/${ROWS_SHOWN} rows`));
    expect(screen).toContain(`Report written to ${join(dir.path, 'alone.xlsx')}`);
  });
});
