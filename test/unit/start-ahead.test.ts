import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandOf } from '../../src/cli/start-ahead.js';

describe('the command line started ahead', () => {
  it('finds the command past the options of the command line itself', () => {
    expect(commandOf(['report', 'id-1', '--out', 'r.xlsx'])).toBe('report');
    expect(commandOf(['--redis', 'redis://h:6379', '--prefix', 'report', 'status', 'report'])).toBe('status');
    expect(commandOf(['-q', '--prefix', 'p', 'report', 'x'])).toBe('report');
    expect(commandOf(['--redis=redis://h', 'work'])).toBe('work');
    expect(commandOf(['--help'])).toBeNull();
    expect(commandOf([])).toBeNull();
  });

  it('a rendering thread started ahead and never taken keeps no process alive', () => {
    // Compiled module (its render-worker.js beside it): the thread really starts.
    const thread = fileURLToPath(new URL('../../dist/report/render-thread.js', import.meta.url));
    // A script file, not --eval: the thread would inherit --input-type and fail to start.
    const dir = mkdtempSync(join(tmpdir(), 'start-ahead-'));
    const script = join(dir, 'ahead.mjs');
    writeFileSync(
      script,
      `const m = await import(${JSON.stringify(pathToFileURL(thread).href)}); if (!m.renderThreadBuilt()) process.exit(3); m.prestartRenderThread();\n` +
        // Up and waiting for its setup by then: the process must still end.
        `setTimeout(() => console.log('waited'), 1500);\n`,
    );
    const started = Date.now();
    const run = spawnSync(process.execPath, [script], { timeout: 20_000, encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('waited\n');
    expect(run.status).toBe(0);
    expect(run.signal).toBeNull();
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});
