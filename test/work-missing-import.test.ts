/**
 * `work --until-idle --import <id>` for an id no enqueue ever creates (a mistyped id): it waits
 * the grace an enqueue started alongside may need, then exits 1 naming the id, never 0 as if
 * the import's rows had all been worked on. Also with several worker processes, which must not
 * be started again and again.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { useRedisScratch } from './helpers/redis.js';
import { writeFile } from './helpers/files.js';

const { prefix, dir } = useRedisScratch(() => {});
const env = { IMPORTER_PREFIX: prefix };

describe('work --until-idle --import <an id that never appears>', () => {
  it.each([1, 2])('exits 1 naming the id after the 10 s grace (--processes %i)', async (processes) => {
    const started = Date.now();
    const result = await runCli(['work', '--until-idle', '--import', 'no-such-import', '--processes', String(processes)], { env });
    const took = Date.now() - started;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no import with id "no-such-import" in this Redis (waited 10 s for an enqueue to create it)');
    expect(result.stderr.match(/no-such-import/g)).toHaveLength(1);
    expect(result.stderr).not.toContain('starting another');
    expect(took).toBeGreaterThanOrEqual(10_000);
    expect(took).toBeLessThan(20_000);
  }, 30_000);

  it('an import created within the grace is worked on, and the worker exits 0', async () => {
    const worker = runCli(['work', '--until-idle', '--import', 'late-import'], { env });
    await new Promise((r) => setTimeout(r, 3000));
    const file = writeFile(dir.path, 'late.csv', 'a,b\n1,2\n3,4\n');
    const enqueued = await runCli(['enqueue', file, '--id', 'late-import', '--target', `sqlite:${dir.path}/late.db`], { env });
    expect(enqueued.code).toBe(0);
    const result = await worker;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const status = await runCli(['status', 'late-import', '--json'], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'complete', succeeded: 2 });
  }, 30_000);
});
