// The PostgreSQL case of the benchmark: the importer (enqueue + `work --processes N`, 1 by default as for `work`, COPY per
// chunk) into a table, against `psql \copy` of the same file into an identical fresh table, which
// validates nothing. Both tables live in a schema of the benchmark's own, dropped at the end.
// The file has no invalid row (\copy would stop at the first bad date), so both load every row;
// the two tables are then compared by checksum. The file's shape (generate.mjs's ASCII people or
// generate-realistic.mjs's international text with quoted multi-line notes) comes from bench.mjs.
import { spawn, spawnSync } from 'node:child_process';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** True when a PostgreSQL answers at the URL (`pg_isready`). */
export function postgresAnswers(url) {
  return spawnSync('pg_isready', ['-q', '-d', url]).status === 0;
}

/** The 8 columns of generate.mjs with the types of schemaFor(8), as --create-table would make them. */
export const ASCII_TABLE_COLUMNS =
  'id bigint, name text, email text, age bigint, country text, signup_date date, newsletter boolean, score double precision';
/** The columns of generate-realistic.mjs, typed from realisticSchema(). */
export const REALISTIC_TABLE_COLUMNS = `${ASCII_TABLE_COLUMNS}, notes text`;

function psql(url, sql) {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-d', url, '-c', sql], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`psql ${sql.slice(0, 60)}: ${err.trim()}`))));
  });
}

/**
 * Writes out what the previous load left in PostgreSQL's buffers and WAL before a timed load, so
 * that neither load pays for the other's checkpoint (each load writes ~150 MB of WAL). Needs a
 * superuser (or pg_checkpoint); without one the loads run as they come.
 */
async function checkpoint(url) {
  await psql(url, 'CHECKPOINT').catch(() => {});
}

/**
 * Runs both loads `runs` times, alternating; returns the median times and their ratio. `measure` and `runJson`
 * are bench.mjs's own (child processes timed side by side with their peak memory; a command's
 * JSON output); `validCsv` resolves to the path of a file of `rows` valid rows whose columns are
 * `tableColumns`.
 */
export async function benchPostgres({ url, rows, validCsv, tableColumns, schemaPath, bin, measure, runJson, redis, prefix, cleanKeys, runs = 3, processes = 1 }) {
  const csv = await validCsv();
  const schema = `bench_${process.pid}`;
  await psql(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  try {
    // Both loads `runs` times, alternating, each into a new table: the machine's speed drifts
    // within minutes, so one of each would compare two moments. The ratio is of the medians.
    const copies = [];
    const imports = [];
    let checksum = null;
    for (let run = 1; run <= runs; run++) {
      const copied = `copied_${run}`;
      const imported = `imported_${run}`;
      await psql(url, `CREATE TABLE ${schema}.${copied} (${tableColumns}); CREATE TABLE ${schema}.${imported} (${tableColumns})`);
      await checkpoint(url);
      const started = performance.now();
      await psql(url, `\\copy ${schema}.${copied} FROM '${csv.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`);
      const copySeconds = (performance.now() - started) / 1000;
      process.stderr.write(`  psql \\copy into PostgreSQL (${run} of ${runs}): ${copySeconds.toFixed(2)} s\n`);
      copies.push(copySeconds);

      await checkpoint(url);
      const id = `bench-pg-${run}-${Date.now()}`;
      const result = await measure(`importer into PostgreSQL, ${processes} worker process${processes > 1 ? 'es' : ''} (${run} of ${runs})`, [
        { name: 'enqueue', argv: [bin, 'enqueue', csv, '--schema', schemaPath, '--target', url, '--table', `${schema}.${imported}`, '--id', id] },
        // Started together with the enqueue (see importerRun in bench.mjs).
        { name: 'work', argv: [bin, 'work', '--until-idle', '--import', id, '--processes', String(processes)] },
      ]);
      const status = JSON.parse(await runJson([bin, 'status', id, '--json']));
      if (status.state !== 'complete' || status.succeeded !== rows) {
        const failed = await redis.lrange(`${prefix}:{${id}}:failed`, 0, 2);
        throw new Error(`PostgreSQL import ${id} not exact: ${JSON.stringify(status)}; first failed rows: ${failed.join('\n')}`);
      }
      imports.push({ ...result, id, status });
      // Same rows, same values: a checksum of each table in id order.
      const sum = (table) => psql(url, `SELECT count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY t.id)) FROM ${schema}.${table} t`);
      const [a, b] = [await sum(copied), await sum(imported)];
      if (a !== b) throw new Error(`the tables differ: \\copy ${a}, importer ${b}`);
      checksum = a;
      await psql(url, `DROP TABLE ${schema}.${copied}, ${schema}.${imported}`);
      await cleanKeys(`${prefix}:{${id}}:*`);
    }
    const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
    const copySeconds = median(copies);
    const typical = imports.find((r) => r.seconds === median(imports.map((i) => i.seconds)));
    return {
      copy: { seconds: copySeconds, runs: copies },
      import: { ...typical, runs: imports.map((r) => r.seconds) },
      ratio: typical.seconds / copySeconds,
      checksum,
      file: csv,
    };
  } finally {
    await psql(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
  }
}
