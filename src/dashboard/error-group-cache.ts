import type { Redis } from 'ioredis';
import type { ImportRecord } from '../import-record.js';
import { importKeys } from '../redis/keys.js';
import { errorGroupsWithExamples, type ErrorGroupWithExamples } from './failed-rows.js';

/** How long groups computed for a running import are shown before they are computed again. */
const FRESH_MS = 3000;

interface Entry {
  /** Tells apart an import created again under the same id. */
  readonly incarnation: string;
  readonly failed: number;
  readonly at: number;
  readonly groups: Promise<ErrorGroupWithExamples[]>;
}

/**
 * Error groups read the whole failed list: computed again only when the import's failed count
 * changed, and no more often than every few seconds while a running import keeps changing it,
 * however many pages poll. A finished import's groups are always its final ones.
 */
export class ErrorGroupCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  get(record: ImportRecord): Promise<ErrorGroupWithExamples[]> {
    const now = Date.now();
    const cached = this.entries.get(record.id);
    const open = record.state === 'enqueuing' || record.state === 'processing';
    if (cached && cached.incarnation === record.incarnation && (cached.failed === record.failed || (open && now - cached.at < FRESH_MS))) return cached.groups;
    const groups = errorGroupsWithExamples(this.redis, importKeys(this.prefix, record.id).failed, record.columns);
    groups.catch(() => this.entries.delete(record.id));
    this.entries.set(record.id, { incarnation: record.incarnation, failed: record.failed, at: now, groups });
    if (this.entries.size > 100) this.entries.delete(this.entries.keys().next().value!);
    return groups;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}
