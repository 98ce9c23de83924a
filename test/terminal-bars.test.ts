/**
 * Progress bars on a terminal (run under a pseudo-terminal), and none with --quiet or --json.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { HAS_SCRIPT, runOnTerminal, terminalFrames } from './helpers/terminal.js';
import { useScratch, type Corner } from './helpers/scratch.js';
import { waitFor } from './helpers/processes.js';

const scratch = useScratch();
const BAR_CELLS = /[\u2588\u2591]/;

function writeRows(corner: Corner, rows: number): string {
  const lines = ['id,name,email'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},name ${i},person${i}@example.com`);
  return corner.file('people.csv', lines.join('\n') + '\n');
}

/** The bar lines of one label: value, total, whether the total was marked as projected, and the rest. */
function barsOf(frames: string[], label: string): { value: number; total: number; estimated: boolean; line: string }[] {
  const bars: { value: number; total: number; estimated: boolean; line: string }[] = [];
  for (const line of frames) {
    const match = new RegExp(`^${label} \\[[\\u2588\\u2591]{30}\\] \\d+% \\| ([\\d,]+)/(~?)([\\d,]+) rows`).exec(line);
    if (match) bars.push({ value: Number(match[1]!.replace(/,/g, '')), estimated: match[2] === '~', total: Number(match[3]!.replace(/,/g, '')), line });
  }
  return bars;
}

describe.skipIf(!HAS_SCRIPT)('progress bars on a terminal', () => {
  it('run draws the import bar, its total projected from the bytes read until the file is read, then the report bar', async () => {
    const corner = scratch.corner();
    const rows = 200_000;
    const file = writeRows(corner, rows);
    const res = await runOnTerminal(['run', file, '--target', `sqlite:${join(corner.dir, 't.db')}`, '--out', 'r.xlsx'], { cwd: corner.dir, env: corner.env });
    expect(res.code, res.stdout).toBe(0);
    const frames = terminalFrames(res.stdout);
    const imports = barsOf(frames, 'Import');
    const reports = barsOf(frames, 'Report');
    expect(imports.length, res.stdout).toBeGreaterThan(1);
    expect(reports.length, res.stdout).toBeGreaterThan(0);
    // It ends full, with the counted total.
    expect(imports.at(-1)).toMatchObject({ value: rows, total: rows, estimated: false });
    expect(reports.at(-1)).toMatchObject({ value: rows, total: rows, estimated: false });
    // While the file is read, the total is a projection near the whole (file of rows of about the
    // same length), marked with ~; a counted total is the whole file's. Never the rows read so far.
    for (const bar of imports) {
      if (bar.estimated) expect(Math.abs(bar.total - rows) / rows, bar.line).toBeLessThan(0.25);
      else expect(bar.total, bar.line).toBe(rows);
    }
    expect(imports.some((b) => b.estimated), res.stdout).toBe(true);
    // No time left before a pace is known, and never a broken one.
    expect(res.stdout).not.toMatch(/NaN|INF|NF|Infinity|null|undefined/);
    expect(imports[0]!.line).not.toMatch(/left/);
    for (const bar of [...imports, ...reports]) expect(bar.line).toMatch(/rows( \| \d+( h| min)? ?\d* ?(s|min) left)?$/);
    // The summary still follows the bars.
    expect(frames.some((f) => /^Import [\w-]+ complete: 200,000 imported, 0 failed of 200,000 rows$/.test(f)), res.stdout).toBe(true);
  });

  it('--quiet and --json draw nothing on the terminal', async () => {
    const corner = scratch.corner();
    const file = writeRows(corner, 20_000);
    const quiet = await runOnTerminal(['run', file, '--target', `sqlite:${join(corner.dir, 'q.db')}`, '--out', 'q.xlsx', '--quiet'], { cwd: corner.dir, env: corner.env });
    expect(quiet.code, quiet.stdout).toBe(0);
    expect(quiet.stdout).not.toMatch(BAR_CELLS);
    expect(quiet.stdout).not.toMatch(/Import \[|Report \[|Enqueue \[/);

    const json = await runOnTerminal(['run', file, '--target', `sqlite:${join(corner.dir, 'j.db')}`, '--out', 'j.xlsx', '--json'], { cwd: corner.dir, env: corner.env });
    expect(json.code, json.stdout).toBe(0);
    expect(json.stdout).not.toMatch(BAR_CELLS);
    // Only the summary reaches the terminal.
    const lines = terminalFrames(json.stdout);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ state: 'complete', total: 20_000, succeeded: 20_000, failed: 0 });

    // Enqueue's bar (bytes) shows on the terminal without the flags, and not with --quiet.
    const enqueued = await runOnTerminal(['enqueue', file, '--target', `sqlite:${join(corner.dir, 'e.db')}`], { cwd: corner.dir, env: corner.env });
    expect(enqueued.code).toBe(0);
    expect(terminalFrames(enqueued.stdout).some((f) => /^Enqueue \[[\u2588]{30}\] 100% \| [\d,]+\/[\d,]+ bytes$/.test(f)), enqueued.stdout).toBe(true);
    const enqueuedQuietly = await runOnTerminal(['enqueue', file, '--target', `sqlite:${join(corner.dir, 'e.db')}`, '--quiet'], { cwd: corner.dir, env: corner.env });
    expect(enqueuedQuietly.code).toBe(0);
    expect(terminalFrames(enqueuedQuietly.stdout)).toEqual([expect.stringMatching(/^[\w-]+$/)]);
  });
});

describe('status --watch', () => {
  it('says nothing of a pace or time left while no row moves', async () => {
    const corner = scratch.corner();
    const enq = await corner.cli(['enqueue', '-', '--target', `sqlite:${join(corner.dir, 'w.db')}`], { input: 'a\n1\n2\n' });
    expect(enq.code, enq.stderr).toBe(0);
    const id = enq.stdout.trim();
    const watch = corner.launch(['status', id, '--watch']);
    let out = '';
    watch.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    // Three looks, a second apart, with no worker: the rows stand still.
    await waitFor('three status lines', () => out.split('\n').length > 3, 20_000, 50);
    watch.child.kill('SIGTERM');
    const lines = out.trim().split('\n');
    for (const line of lines) expect(line).toBe(`${id} processing: 0 imported, 0 failed of 2 rows`);
  });
});
