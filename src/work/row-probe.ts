import type { ImportRow } from '../handler/handler-types.js';
import type { ImporterRedis } from '../redis/scripts.js';
import type { DecodedChunk } from '../chunks/chunk-codec.js';
import type { ImportContext } from './import-context.js';
import { handlerContext } from './process-chunks.js';

/**
 * From this delivery on (the chunk took down the workers of its first two), a chunk's rows are
 * first checked one at a time, the row being checked kept in Redis (probeRows).
 */
export const PROBE_FROM_DELIVERY = 3;
/**
 * Workers that must have died while checking one row before that row is failed: one death could
 * be a kill from outside, or another chunk of the same process blocking it.
 */
export const DEATHS_TO_BLAME = 2;
/** Renewed at each write: a probe's state outlives the deliveries of its chunk, and no more. */
const PROBE_TTL_SECONDS = 3600;

/**
 * A chunk's probe, as kept in Redis between deliveries: rows found hanging, the row being checked
 * when the last worker stopped (`at`), and how many workers died on the current suspect.
 */
interface ProbeState {
  readonly hanging: number[];
  readonly suspect: number | null;
  readonly deaths: number;
  readonly at: number | null;
}

const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

function readState(raw: string | null): ProbeState {
  const empty: ProbeState = { hanging: [], suspect: null, deaths: 0, at: null };
  if (raw === null) return empty;
  try {
    const s = JSON.parse(raw) as Partial<ProbeState>;
    return {
      hanging: Array.isArray(s.hanging) ? s.hanging.filter(isIndex) : [],
      suspect: isIndex(s.suspect) ? s.suspect : null,
      deaths: isIndex(s.deaths) ? s.deaths : 0,
      at: isIndex(s.at) ? s.at : null,
    };
  } catch {
    return empty;
  }
}

/** The state a new delivery starts from: a worker that died on row `at` counts against it. */
function afterDeath(state: ProbeState): ProbeState {
  if (state.at === null) return { ...state, suspect: null, deaths: 0 };
  const deaths = state.at === state.suspect ? state.deaths + 1 : 1;
  if (deaths >= DEATHS_TO_BLAME) return { hanging: [...state.hanging, state.at], suspect: null, deaths: 0, at: null };
  return { hanging: state.hanging, suspect: state.at, deaths, at: null };
}

/**
 * Checks a suspect chunk's rows one at a time (the schema, then the handler's validate()), writing
 * to Redis which row is being checked before each one. A row whose check never returns blocks
 * this process until its supervisor kills it (supervise.ts); the next delivery reads which row it
 * was, and once workers have died on the same row DEATHS_TO_BLAME times that row is returned
 * here, among the rows that hang, so that the chunk is worked on without them. The verdicts are
 * thrown away: the chunk is then checked as usual (process-chunks.ts), the hanging rows excepted.
 */
export async function probeRows(redis: ImporterRedis, key: string, context: ImportContext, chunk: DecodedChunk): Promise<number[]> {
  let state = afterDeath(readState(await redis.get(key)));
  const save = (at: number | null): Promise<unknown> => redis.set(key, JSON.stringify({ ...state, at }), 'EX', PROBE_TTL_SECONDS);
  const hanging = new Set(state.hanging);
  const { record, handler } = context;
  for (let index = 0; index < chunk.rows.length; index++) {
    if (hanging.has(index)) continue;
    await save(index);
    try {
      const check = context.validate(chunk.rows[index]!);
      if (check.ok && handler?.validate) {
        const row: ImportRow = {};
        record.columns.forEach((column, i) => (row[column] = check.values[i] ?? null));
        const rowContext = { ...handlerContext(context, chunk), row: chunk.firstRow + index, line: chunk.lines[index] ?? null };
        await handler.validate(row, rowContext);
      }
    } catch {
      // A verdict, not a hang: the usual check words it.
    }
  }
  // Every row but the hanging ones returned: the suspect was innocent (its worker died of
  // something else).
  state = { ...state, suspect: null, deaths: 0 };
  await save(null);
  return [...hanging].sort((a, b) => a - b);
}

/**
 * The import's context with the given rows of a chunk failing with `message` instead of being
 * checked (they would hang again). Rows are known by their fields: a row equal to a hanging one
 * would hang too.
 */
export function withoutHangingRows(context: ImportContext, chunk: DecodedChunk, hanging: readonly number[], message: string): ImportContext {
  const fields = new Set(hanging.map((index) => JSON.stringify(chunk.rows[index])));
  const validate = context.validate;
  return {
    ...context,
    validate: (row) => (fields.has(JSON.stringify(row)) ? { ok: false, messages: [message] } : validate(row)),
  };
}
