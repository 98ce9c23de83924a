import { DEFAULT_SQLITE_BUSY_TIMEOUT_MS } from '../defaults.js';
import { parseTarget, type TargetLocation } from './target-url.js';
import { targetPassword, type TargetOptions } from './target-options.js';
import type { CellValue } from '../schema/row-validator.js';
import { copyText, utf8Bytes, type RowOriginals } from './copy-text.js';
import type { EncodedRows, RowRejection, SaveRequest, TableDefinition, Target } from './target.js';
import type { ColumnsAsWritten } from '../schema/byte-row-check.js';

/**
 * Opens the target an import's record names. Database drivers are loaded on first use, so a
 * worker (and every command) starts without loading drivers it does not need.
 */
export function openTarget(url: string, options: TargetOptions = {}): Target {
  return new LazyTarget(parseTarget(url), options);
}

async function load(location: TargetLocation, options: TargetOptions): Promise<Target> {
  switch (location.kind) {
    case 'sqlite':
      return new (await import('./sqlite-target.js')).SqliteTarget(location.path, options.sqliteBusyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS);
    case 'postgres':
      return new (await import('./postgres-target.js')).PostgresTarget(location.url, targetPassword('postgres', options));
    case 'mysql':
      return new (await import('./mysql-target.js')).MysqlTarget(location.url, targetPassword('mysql', options));
  }
}

class LazyTarget implements Target {
  private target: Promise<Target> | null = null;
  readonly saveMany?: (chunks: readonly EncodedRows[]) => Promise<RowRejection[][]>;
  readonly encodeRows?: (request: Pick<SaveRequest, 'table' | 'columns'>, rows: readonly (readonly CellValue[])[], originals: RowOriginals | null) => Buffer;
  readonly columnsAsWritten?: (request: Pick<SaveRequest, 'table' | 'columns'>) => ColumnsAsWritten | null;
  private loaded: Target | null = null;

  constructor(
    private readonly location: TargetLocation,
    private readonly options: TargetOptions,
  ) {
    if (location.kind === 'postgres') {
      // Before the driver is loaded, COPY's text is built from the values alone.
      this.encodeRows = (request, rows, originals) => this.loaded?.encodeRows?.(request, rows, originals) ?? utf8Bytes(copyText(rows));
      this.columnsAsWritten = (request) => this.loaded?.columnsAsWritten?.(request) ?? null;
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
    this.target ??= load(this.location, this.options).then((target) => (this.loaded = target));
    return this.target;
  }

  async ensureTable(definition: TableDefinition): Promise<void> {
    return (await this.get()).ensureTable(definition);
  }

  async save(request: SaveRequest): Promise<RowRejection[]> {
    return (await this.get()).save(request);
  }

  async forgetLedger(table: string, ledgerKey: string): Promise<number> {
    const target = await this.get();
    return target.forgetLedger ? target.forgetLedger(table, ledgerKey) : 0;
  }

  async close(): Promise<void> {
    if (this.target) await (await this.target).close();
  }
}
