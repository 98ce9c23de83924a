import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { usageError } from '../errors.js';
import { checkImportId } from '../ids.js';
import { readRecord } from '../import-record.js';
import { cancelImport } from '../lifecycle/cancel-import.js';
import { listImports } from '../lifecycle/list-imports.js';
import { purgeImport } from '../lifecycle/purge-import.js';
import type { ImporterRedis } from '../redis/scripts.js';
import { importKeys } from '../redis/keys.js';
import { XLSX_TYPE } from '../report/report-output.js';
import { getStatus } from '../status/status.js';
import { listWorkers } from '../work/worker-registry.js';
import { ErrorGroupCache } from './error-group-cache.js';
import { failedRowsPage } from './failed-rows.js';
import { writeReportForDownload } from './report-download.js';
import { ImporterError } from '../errors.js';

export interface ApiContext {
  readonly redis: ImporterRedis;
  readonly prefix: string;
}

/** Failed rows per page at most. */
export const MAX_ERRORS_LIMIT = 500;
const DEFAULT_ERRORS_LIMIT = 50;

interface IdParams {
  readonly id: string;
}

interface PageQuery {
  readonly offset?: string;
  readonly limit?: string;
}

function count(value: string | undefined, name: string, fallback: number | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw usageError(`${name} must be a whole number, 0 or more`);
  return Math.min(Number(value), max);
}

/**
 * The JSON API. Its answers are the library's own objects, the ones the command line prints:
 * `GET /api/imports` as `list --json`, `GET /api/imports/:id` as `status --json`,
 * `GET /api/workers` as `workers --json`, the cancel and purge answers as `cancel --json` and
 * `purge --json`.
 */
export function registerApi(app: FastifyInstance, context: ApiContext): void {
  const { redis, prefix } = context;
  const groups = new ErrorGroupCache(redis, prefix);

  app.get<{ Querystring: PageQuery }>('/api/imports', async (request) => {
    const offset = count(request.query.offset, 'offset', 0)!;
    const limit = count(request.query.limit, 'limit', undefined);
    const imports = await listImports({ redis, prefix, limit: limit === undefined ? undefined : offset + limit });
    return imports.slice(offset);
  });

  app.get<{ Params: IdParams }>('/api/imports/:id', async (request) => getStatus({ redis, prefix, id: checkImportId(request.params.id) }));

  app.get<{ Params: IdParams; Querystring: PageQuery }>('/api/imports/:id/errors', async (request) => {
    const id = checkImportId(request.params.id);
    const offset = count(request.query.offset, 'offset', 0)!;
    const limit = count(request.query.limit, 'limit', DEFAULT_ERRORS_LIMIT, MAX_ERRORS_LIMIT)!;
    const record = await readRecord(redis, prefix, id);
    if (!record) throw new ImporterError('state', `no import with id "${id}" in this Redis`);
    const key = importKeys(prefix, id).failed;
    const [rows, errorGroups] = await Promise.all([failedRowsPage(redis, key, offset, limit), groups.get(record)]);
    return { id, failed: record.failed, offset, limit, headers: record.headers, groups: errorGroups, rows };
  });

  app.get('/api/workers', async () => listWorkers({ redis, prefix }));

  app.post<{ Params: IdParams }>('/api/imports/:id/cancel', async (request, reply) => {
    const result = await cancelImport({ redis, prefix, id: checkImportId(request.params.id) });
    if (result.state !== 'cancelled') return reply.code(409).send({ ...result, error: `import ${result.id} is already ${result.state}: there is nothing to cancel` });
    return result;
  });

  app.post<{ Params: IdParams }>('/api/imports/:id/purge', async (request) => {
    const id = checkImportId(request.params.id);
    const result = await purgeImport({ redis, prefix, id });
    groups.forget(id);
    return { id, purged: true, keys: result.keys, ledgerRows: result.ledgerRows, ledgerError: result.ledgerError };
  });

  app.get<{ Params: IdParams }>('/api/imports/:id/report', async (request, reply: FastifyReply) => {
    const id = checkImportId(request.params.id);
    const file = await writeReportForDownload(redis, prefix, id);
    const stream = createReadStream(file.path);
    stream.once('close', () => void file.remove());
    return reply
      .type(XLSX_TYPE)
      .header('Content-Length', String(file.bytes))
      .header('Content-Disposition', `attachment; filename="import-${id}-report.xlsx"`)
      .send(stream);
  });
}
