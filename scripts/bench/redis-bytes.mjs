// Bytes one import holds in Redis. The Redis is shared (other imports, other tests), so
// used_memory says little about one import: its own keys are found by SCAN under its hash tag
// and their MEMORY USAGE summed.

/**
 * Sum of MEMORY USAGE of every key under `${prefix}:{${id}}:`. `samples` is MEMORY USAGE's
 * SAMPLES: 0 counts every element of lists and hashes (exact, slower on millions of elements),
 * the default 5 estimates from a few (cheap enough to poll during an import).
 */
export async function importBytes(redis, prefix, id, samples = 5) {
  let cursor = '0';
  let total = 0;
  const keys = [];
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:{${id}}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length === 0) return { bytes: 0, keys: 0, byKind: {} };
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', String(samples));
  const replies = await pipeline.exec();
  const byKind = {};
  replies.forEach(([err, size], i) => {
    if (err || size === null) return; // expired or deleted between SCAN and MEMORY USAGE
    total += Number(size);
    // succeeded, failed, chunks, meta, done, unique, probe: the part after the hash tag.
    const kind = keys[i].slice(`${prefix}:{${id}}:`.length).split(':')[0];
    byKind[kind] = (byKind[kind] ?? 0) + Number(size);
  });
  return { bytes: total, keys: keys.length, byKind };
}

/**
 * Polls importBytes every `intervalMs` until stopped; `stop()` resolves to the largest sum seen.
 * A poll is not started while the previous one is still running.
 */
export function pollImportBytes(redis, prefix, id, intervalMs = 250) {
  let peak = { bytes: 0, keys: 0, byKind: {} };
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const now = await importBytes(redis, prefix, id);
      if (now.bytes > peak.bytes) peak = now;
    } catch {
      // A transient error only loses one sample.
    } finally {
      busy = false;
    }
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      while (busy) await new Promise((r) => setTimeout(r, 20));
      return peak;
    },
  };
}
