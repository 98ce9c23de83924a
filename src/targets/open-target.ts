import { parseTarget, type TargetLocation } from './target-url.js';
import type { RowRejection, SaveRequest, TableDefinition, Target } from './target.js';

/**
 * Opens the target an import's record names. Database drivers are loaded on first use, so a
 * worker (and every command) starts without loading drivers it does not need.
 */
export function openTarget(url: string): Target {
  return new LazyTarget(parseTarget(url));
}

async function load(location: TargetLocation): Promise<Target> {
  switch (location.kind) {
    case 'sqlite':
      return new (await import('./sqlite-target.js')).SqliteTarget(location.path);
    case 'postgres':
      return new (await import('./postgres-target.js')).PostgresTarget(location.url);
    case 'mysql':
      return new (await import('./mysql-target.js')).MysqlTarget(location.url);
  }
}

class LazyTarget implements Target {
  private target: Promise<Target> | null = null;

  constructor(private readonly location: TargetLocation) {}

  private get(): Promise<Target> {
    this.target ??= load(this.location);
    return this.target;
  }

  async ensureTable(definition: TableDefinition): Promise<void> {
    return (await this.get()).ensureTable(definition);
  }

  async save(request: SaveRequest): Promise<RowRejection[]> {
    return (await this.get()).save(request);
  }

  async close(): Promise<void> {
    if (this.target) await (await this.target).close();
  }
}
