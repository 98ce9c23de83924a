/**
 * The probe of a chunk that took down workers (src/work/row-probe.ts), against a real Redis: a
 * worker dying on a row is simulated by a handler whose validate() never settles on it.
 */
import { describe, expect, it } from 'vitest';
import type { Handler } from '../src/handler/handler-types.js';
import type { ImportRecord } from '../src/import-record.js';
import { importKeys } from '../src/redis/keys.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import type { RowCheck } from '../src/schema/row-validator.js';
import type { DecodedChunk } from '../src/chunks/chunk-codec.js';
import type { ImportContext } from '../src/work/import-context.js';
import { probeRows, withoutHangingRows } from '../src/work/row-probe.js';
import { useRedisScratch } from './helpers/redis.js';

let redis: ImporterRedis;
const { prefix } = useRedisScratch((r) => (redis = r));

const chunk: DecodedChunk = {
  chunk: 4,
  firstRow: 201,
  lines: [202, 203, 204, 205, 206],
  rows: [['a'], ['b'], ['c'], ['d'], ['c']],
  duplicates: [],
  payload: Buffer.alloc(0),
};

/** A context whose handler never settles on the rows whose value is in `hangOn`; `checked` collects what was checked. */
function contextFor(hangOn: ReadonlySet<string>, checked: string[]): ImportContext {
  const handler: Handler = {
    validate: (row) => (hangOn.has(String(row['v'])) ? new Promise<void>(() => {}) : undefined),
  };
  return {
    record: { id: 'probe-test', columns: ['v'], table: 't', target: 'sqlite:unused' } as unknown as ImportRecord,
    keys: importKeys(prefix, 'probe-test'),
    validate: (fields): RowCheck => {
      checked.push(fields[0]!);
      return { ok: true, values: [...fields], written: true };
    },
    table: { table: 't', columns: [], create: false, uniqueKey: [] },
    uniqueColumnNames: [],
    handler,
    schema: null,
  };
}

/** Starts a probe that dies (never returns) on a row of `hangOn`; resolves once it is stuck there. */
async function probeThatDies(key: string, hangOn: string): Promise<string[]> {
  const checked: string[] = [];
  void probeRows(redis, key, contextFor(new Set([hangOn]), checked), chunk);
  for (let i = 0; i < 200 && !checked.includes(hangOn); i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  return checked;
}

describe('row probe', () => {
  it('a row fails only once two probing workers have died on it; an innocent suspect is cleared', async () => {
    const key = importKeys(prefix, 'probe-test').probe(chunk.chunk);
    // A first probe that completes finds nothing.
    const all: string[] = [];
    expect(await probeRows(redis, key, contextFor(new Set(), all), chunk)).toEqual([]);
    expect(all).toEqual(['a', 'b', 'c', 'd', 'c']);

    // A worker dies on 'b' (index 1): one death is not enough, and the next probe, which
    // completes, clears the suspect.
    expect(await probeThatDies(key, 'b')).toEqual(['a', 'b']);
    expect(JSON.parse((await redis.get(key))!)).toMatchObject({ at: 1, hanging: [] });
    expect(await probeRows(redis, key, contextFor(new Set(), []), chunk)).toEqual([]);
    expect(JSON.parse((await redis.get(key))!)).toEqual({ hanging: [], suspect: null, deaths: 0, at: null });

    // Two workers die on 'd' (index 3): it hangs; the next probe skips it.
    await probeThatDies(key, 'd');
    expect(JSON.parse((await redis.get(key))!)).toMatchObject({ at: 3, suspect: null, deaths: 0 });
    await probeThatDies(key, 'd');
    expect(JSON.parse((await redis.get(key))!)).toMatchObject({ at: 3, suspect: 3, deaths: 1 });
    const checked: string[] = [];
    expect(await probeRows(redis, key, contextFor(new Set(), checked), chunk)).toEqual([3]);
    expect(checked).toEqual(['a', 'b', 'c', 'c']);
    expect(await redis.ttl(key)).toBeGreaterThan(3500);

    // The hanging row (and a row equal to it) fails with the message; the others are checked.
    const context = withoutHangingRows(contextFor(new Set(), []), chunk, [3], 'could not be checked in time');
    expect(context.validate(chunk.rows[3]!)).toEqual({ ok: false, messages: ['could not be checked in time'] });
    expect(context.validate(['d'])).toEqual({ ok: false, messages: ['could not be checked in time'] });
    expect(context.validate(chunk.rows[2]!)).toMatchObject({ ok: true, values: ['c'] });
  });
});
