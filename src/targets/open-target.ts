import { parseTarget, type TargetLocation } from './target-url.js';
import type { CellValue } from '../schema/row-validator.js';
import { copyText } from './copy-text.js';
import type { EncodedRows, RowRejection, SaveRequest, TableDefinition, Target } from './target.js';

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
  readonly saveMany?: (chunks: readonly EncodedRows[]) => Promise<RowRejection[][]>;
  readonly encodeRows?: (rows: readonly (readonly CellValue[])[]) => Buffer;

  constructor(private readonly location: TargetLocation) {
    if (location.kind === 'postgres') {
      // Encoded before the driver is loaded: COPY's text needs nothing of it.
      this.encodeRows = (rows) => Buffer.from(copyText(rows));
      this.saveMany = async (chunks) => {
        const target = await this.get();
        if (target.saveMany) return target.saveMany(chunks);
        const rejected: RowRejection[][] = [];
        for (const chunk of chunks) rejected.push(await target.save({ ...chunk.request, rows: chunk.rows() }));
        return rejected;
      };
    }
  }

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
