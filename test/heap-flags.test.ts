import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HEAP_FLAGS = fileURLToPath(new URL('../dist/heap-flags.js', import.meta.url));

/**
 * In a process of its own (V8's flags are the process's): holds the young generation at its
 * first size, starts a worker thread (through startThread, which restores the flags once it is
 * online, or directly), then
 * makes objects that survive a collection or two, which is what makes V8 grow the young
 * generation. Prints its size in MB.
 */
function youngGenerationAfterWorker(restore: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { Worker } from 'node:worker_threads';
    const { capYoungGeneration, startThread } = await import(${JSON.stringify(HEAP_FLAGS)});
    const young = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
    capYoungGeneration(young() / 2 ** 20);
    const start = ${restore} ? startThread : (source, options) => new Worker(source, options);
    const worker = start('setTimeout(() => {}, 5000)', { eval: true });
    await new Promise((resolve) => worker.once('online', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    let kept = [];
    for (let i = 0; i < 3e6; i++) {
      kept.push({ i, text: 'row ' + i });
      if (kept.length > 20000) kept = [];
    }
    console.log(young() / 2 ** 20);
    await worker.terminate();
  `;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
}

describe('heap flags', () => {
  it('a worker thread starting up sets them back, and they are set again once it is online', () => {
    const restored = youngGenerationAfterWorker(true);
    const lost = youngGenerationAfterWorker(false);
    expect(restored).toBeLessThanOrEqual(2);
    expect(lost).toBeGreaterThanOrEqual(8);
  });
});
