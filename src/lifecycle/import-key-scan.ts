import type { Cluster, Redis } from 'ioredis';

const SCAN_COUNT = 1000;

/** Escapes Redis glob characters, so a prefix or id is matched literally. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** The pattern matching every key an import owns: `<prefix>:{<id>}:*`. */
export function importKeyPattern(prefix: string, id: string): string {
  return `${globLiteral(prefix)}:{${globLiteral(id)}}:*`;
}

function isCluster(redis: Redis): boolean {
  return typeof (redis as unknown as Partial<Cluster>).nodes === 'function';
}

/**
 * Finds every key an import owns, including the sharded `unique:<col>:<bucket>` hashes, with
 * SCAN (never KEYS): batches of names, so a large import is never listed in one reply. On a
 * cluster every master is scanned (the import's hash tag puts all its keys on one of them).
 * A key may be reported twice (SCAN's guarantee); callers' commands are idempotent.
 */
export async function* scanImportKeys(redis: Redis, prefix: string, id: string): AsyncGenerator<string[]> {
  const pattern = importKeyPattern(prefix, id);
  const nodes: Redis[] = isCluster(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}
