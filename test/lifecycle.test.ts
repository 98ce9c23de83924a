import { describe, expect, it } from 'vitest';
import { chunkEntryId, decodeChunkFields, encodeSuccessEntry } from '../src/redis/codec.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from './helpers/cli.js';
import { useScratch } from './helpers/scratch.js';
import { waitFor } from './helpers/processes.js';
import { importKeyTtls, importViaLibrary } from './helpers/delivery.js';
import { enqueue } from '../src/enqueue/enqueue.js';
import { cancelImport } from '../src/lifecycle/cancel-import.js';
import { globalKeys, importKeys, CHUNK_GROUP } from '../src/redis/keys.js';
import { runScript, type ImporterRedis } from '../src/redis/scripts.js';

const scratch = useScratch();

function setup(): { prefix: string; dir: string; env: Record<string, string>; redis: ImporterRedis } {
  const { prefix, dir, env } = scratch.corner();
  return { prefix, dir, env, redis: scratch.redis };
}

function rows(n: number): Readable {
  return Readable.from([`n,name\n${Array.from({ length: n }, (_, i) => `${i + 1},name ${i + 1}`).join('\n')}\n`]);
}

describe('cancel, purge, list', () => {
  it('cancel drops the remaining chunks, workers fetch nothing and record a chunk they hold; state cancelled', async () => {
    const { prefix, dir, env, redis } = setup();
    const db = join(dir, 'never.db');
    const { id } = await enqueue({ redis, prefix, source: '-', stdin: rows(100), target: `sqlite:${db}`, table: 'never', chunkSize: 5 });
    const keys = importKeys(prefix, id);
    expect(await redis.xlen(keys.chunks)).toBe(20);
    // A worker already holds chunk 0 when the import is cancelled.
    const held = (await redis.xreadgroup('GROUP', CHUNK_GROUP, 'slow-worker', 'COUNT', 1, 'STREAMS', keys.chunks, '>')) as [string, [string, string[]][]][];
    expect(held[0]![1][0]![0]).toBe(chunkEntryId(0));

    const cancel = await runCli(['cancel', id, '--json'], { env });
    expect(cancel.stderr).toBe('');
    expect(cancel.code).toBe(0);
    expect(JSON.parse(cancel.stdout)).toEqual({ id, previousState: 'processing', state: 'cancelled', cancelled: true });
    expect(await redis.xlen(keys.chunks)).toBe(0);
    expect(await redis.zscore(globalKeys(prefix).active, id)).toBeNull();

    // The holder records its chunk (its rows may be in the table already): acknowledged, and
    // its rows counted and listed, the import still cancelled.
    const held0 = held[0]![1][0]![1];
    const entry = encodeSuccessEntry([], decodeChunkFields(held0).payload);
    const recorded = await runScript(redis, 'recordChunk', [keys.meta, keys.chunks, keys.done, keys.succeeded, keys.failed], [CHUNK_GROUP, 0, Date.now(), 5, 0, entry, (await redis.hget(keys.meta, 'incarnation'))!]);
    expect(recorded).toBe('recorded');
    expect(await redis.lrange(keys.succeeded, 0, -1)).toEqual([entry]);
    expect(await redis.hget(keys.meta, 'state')).toBe('cancelled');
    expect(await redis.xpending(keys.chunks, CHUNK_GROUP)).toEqual([0, null, null, null]);

    const work = await runCli(['work', '--until-idle'], { env });
    expect(work.code).toBe(0);
    expect(existsSync(db)).toBe(false);
    const status = await runCli(['status', id, '--json'], { env });
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'cancelled', succeeded: 5, error: 'cancelled with importer cancel' });

    const again = await runCli(['cancel', id, '--json'], { env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'cancelled', cancelled: false });
  });

  it('cancel stops an enqueue still reading the file', async () => {
    const { prefix, dir, redis } = setup();
    const slow = Readable.from((async function* () {
      yield 'n,name\n';
      for (let batch = 0; batch < 200; batch++) {
        yield Array.from({ length: 20 }, (_, i) => `${batch * 20 + i + 1},x\n`).join('');
        await new Promise((r) => setTimeout(r, 20));
      }
    })());
    let settled: { error: unknown } | null = null;
    const enqueuing = enqueue({ redis, prefix, source: '-', stdin: slow, id: 'slow-1', target: `sqlite:${join(dir, 's.db')}`, table: 's', chunkSize: 10 }).then(
      () => (settled = { error: null }),
      (error: unknown) => (settled = { error }),
    );
    const meta = importKeys(prefix, 'slow-1').meta;
    // An enqueue that ended before two chunks (done or failed) fails here, with its outcome.
    await waitFor('two chunks queued', async () => {
      if (settled) throw new Error(`the enqueue ended before it could be cancelled: ${String(settled.error)}`);
      return Number((await redis.hget(meta, 'enqueuedChunks')) ?? 0) >= 2;
    });
    const cancelled = await cancelImport({ redis, prefix, id: 'slow-1' });
    expect(cancelled).toMatchObject({ previousState: 'enqueuing', state: 'cancelled', cancelled: true });
    await enqueuing;
    expect(settled).not.toBeNull();
    expect(String((settled as { error: unknown } | null)?.error)).toMatch(/import slow-1 was cancelled while its file was being read/);
    expect(await redis.hget(meta, 'state')).toBe('cancelled');
    expect(await redis.xlen(importKeys(prefix, 'slow-1').chunks)).toBe(0);
  });

  it('cancel of a finished import changes nothing and exits 1; of an unknown id exits 1', async () => {
    const { prefix, dir, env, redis } = setup();
    const id = await importViaLibrary(redis, prefix, dir);
    const done = await runCli(['cancel', id], { env });
    expect(done.code).toBe(1);
    expect(done.stderr).toBe(`importer: import ${id} is already complete: there is nothing to cancel\n`);
    expect(JSON.parse((await runCli(['status', id, '--json'], { env })).stdout)).toMatchObject({ state: 'complete' });
    const unknown = await runCli(['cancel', 'no-such-import'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no import with id "no-such-import"/);
  });

  it('purge deletes every key of the import at once', async () => {
    const { prefix, dir, env, redis } = setup();
    const id = await importViaLibrary(redis, prefix, dir);
    const other = await importViaLibrary(redis, prefix, dir, { name: 'other.csv' });
    const keysBefore = await importKeyTtls(redis, prefix, id);
    // The unique values' keys went once the file was queued (finish-enqueue.lua).
    expect([...keysBefore.keys()].some((k) => k.includes(':unique:'))).toBe(false);

    const purge = await runCli(['purge', id, '--json'], { env });
    expect(purge.code).toBe(0);
    const purged = JSON.parse(purge.stdout) as Record<string, unknown>;
    expect(purged).toMatchObject({ id, purged: true, keys: keysBefore.size, ledgerError: null });
    // Its ledger rows went from the target too (one per chunk saved).
    expect(purged['ledgerRows']).toBeGreaterThan(0);
    expect((await importKeyTtls(redis, prefix, id)).size).toBe(0);
    expect(await redis.zscore(globalKeys(prefix).imports, id)).toBeNull();
    // The other import is untouched.
    expect((await importKeyTtls(redis, prefix, other)).size).toBe(5);

    const again = await runCli(['purge', id], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no import with id/);
  });

  it('list shows imports newest first with state, counts, notify and start; skips and forgets expired ones', async () => {
    const { prefix, dir, env, redis } = setup();
    const first = await importViaLibrary(redis, prefix, dir, { notify: 'a@example.com' });
    await new Promise((r) => setTimeout(r, 5));
    const second = await importViaLibrary(redis, prefix, dir, { name: 'second.csv' });
    await new Promise((r) => setTimeout(r, 5));
    const { id: third } = await enqueue({ redis, prefix, source: '-', stdin: rows(3), target: `sqlite:${join(dir, 'x.db')}`, table: 'x' });

    const list = await runCli(['list', '--json'], { env });
    expect(list.code).toBe(0);
    const imports = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(imports.map((i) => i['id'])).toEqual([third, second, first]);
    expect(imports[2]).toMatchObject({ state: 'complete', total: 12, succeeded: 5, failed: 7, notify: 'a@example.com' });
    expect(imports[0]).toMatchObject({ state: 'processing', total: 3, succeeded: 0, notify: null });
    expect(typeof imports[0]!['createdAt']).toBe('string');

    const text = await runCli(['list'], { env });
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +STATE +ROWS +IMPORTED +FAILED +NOTIFY +STARTED +FILE$/);
    expect(lines[3]).toMatch(new RegExp(`^${first} +complete +12 +5 +7 +a@example\\.com +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ +.*people\\.csv$`));
    expect(JSON.parse((await runCli(['list', '--json', '--limit', '1'], { env })).stdout)).toHaveLength(1);

    // Reported with a TTL of one second: once its keys are gone, list skips it and forgets the id.
    const rep = await runCli(['report', second, '--out', join(dir, 's.xlsx'), '--ttl', '1'], { env });
    expect(rep.code).toBe(3);
    await new Promise((r) => setTimeout(r, 2200));
    const after = JSON.parse((await runCli(['list', '--json'], { env })).stdout) as { id: string }[];
    expect(after.map((i) => i.id)).toEqual([third, first]);
    expect(await redis.zscore(globalKeys(prefix).imports, second)).toBeNull();
    expect((await importKeyTtls(redis, prefix, second)).size).toBe(0);
  });
});
