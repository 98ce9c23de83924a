#!/usr/bin/env node
// npm run bench -- [--rows N] [--columns N] [--wide] [--skip-bullmq] [--bullmq-rows N] [--redis URL]
//                  [--postgres | --skip-postgres | --only-postgres] [--postgres-url URL] [--postgres-runs N] [--postgres-processes N]
// Measures, in one run on the same file and the same Redis: a bare csv-parse pass, the importer
// (enqueue + workers into SQLite, with 1 and 2 worker processes), the XLSX report against bare
// exceljs, the BullMQ one-job-per-row baseline, and (when PostgreSQL answers, or with --postgres)
// the importer into PostgreSQL against psql \copy (scripts/bench/postgres.mjs); peak RSS of each
// process and Redis's peak used_memory. Prints a table and writes the same as JSON (.bench/results.json).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { generateCsv, schemaFor } from './bench/generate.mjs';
import { benchPostgres, DEFAULT_POSTGRES_URL, postgresAnswers } from './bench/postgres.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const wide = args.includes('--wide');
const rows = Number(flag('--rows', 1_000_000));
const columns = Number(flag('--columns', wide ? 12 : 8));
const textLength = Number(flag('--text-length', wide ? 400 : 12));
const skipBullmq = args.includes('--skip-bullmq');
const bullmqRows = Number(flag('--bullmq-rows', rows));
const redisUrl = flag('--redis', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const postgresUrl = flag('--postgres-url', DEFAULT_POSTGRES_URL);
const postgresRuns = Number(flag('--postgres-runs', 5));
const postgresProcesses = Number(flag('--postgres-processes', 2));
const onlyPostgres = args.includes('--only-postgres');
const withPostgres = !args.includes('--skip-postgres') && (args.includes('--postgres') || onlyPostgres || (!wide && columns === 8 && postgresAnswers(postgresUrl)));
if ((args.includes('--postgres') || onlyPostgres) && !postgresAnswers(postgresUrl)) throw new Error(`--postgres: no PostgreSQL answers at ${postgresUrl}`);
const dir = join(root, '.bench');
mkdirSync(dir, { recursive: true });
const bin = join(root, 'bin', 'importer.js');
const prefix = `bench-${process.pid}`;
const redis = new Redis(redisUrl);

/** Peak RSS (VmHWM) of a process and its descendants, polled from /proc. */
function descendants(pid) {
  const out = [pid];
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const k of kids) out.push(...descendants(k));
  } catch {}
  return out;
}
function hwm(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function usedMemory() {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)[1]);
}

/** Runs commands side by side; returns seconds, per-process peak RSS and Redis's peak memory. */
async function measure(label, commands) {
  const base = await usedMemory();
  let redisPeak = base;
  const peaks = new Map();
  const started = performance.now();
  const children = [];
  const poll = setInterval(async () => {
    for (const { name, child } of children) {
      for (const pid of descendants(child.pid)) {
        const key = pid === child.pid ? name : `${name} child ${pid}`;
        peaks.set(key, Math.max(peaks.get(key) ?? 0, hwm(pid)));
      }
    }
    try {
      redisPeak = Math.max(redisPeak, await usedMemory());
    } catch {}
  }, 100);
  const outputs = {};
  const run = async ({ name, argv }) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, IMPORTER_PREFIX: prefix } });
    children.push({ name, child });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise((r) => child.on('close', r));
    outputs[name] = stdout.trim();
    if (code !== 0 && code !== 3) throw new Error(`${label}: ${name} exited ${code}`);
  };
  await Promise.all(commands.map(run));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(poll);
  process.stderr.write(`  ${label}: ${seconds.toFixed(2)} s\n`);
  return { seconds, rss: Object.fromEntries(peaks), redisPeakBytes: redisPeak - base, outputs };
}

async function importerRun(csv, schema, processes) {
  const id = `bench-${processes}p-${Date.now()}`;
  const db = join(dir, `bench-${processes}p.db`);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const result = await measure(`importer, ${processes} worker process${processes > 1 ? 'es' : ''}`, [
    { name: 'enqueue', argv: [bin, 'enqueue', csv, '--schema', schema, '--target', `sqlite:${db}`, '--table', 'people', '--id', id] },
    // Started together with the enqueue, as a standing fleet of workers (or `importer run`) has
    // them: a worker named an import that does not exist yet waits for it.
    { name: 'work', argv: [bin, 'work', '--until-idle', '--import', id, '--processes', String(processes)] },
  ]);
  const status = JSON.parse(await runJson([bin, 'status', id, '--json']));
  if (status.state !== 'complete' || status.succeeded + status.failed !== status.total) throw new Error(`import ${id} not exact: ${JSON.stringify(status)}`);
  return { ...result, id, status };
}

/**
 * Workers alone: the file enqueued first (not timed with them), then `work` with `processes`
 * worker processes on it. Shows how the workers scale when they do not share the two cores with
 * the enqueue.
 */
async function workersAlone(csv, schema, processes) {
  const id = `bench-alone-${processes}p-${Date.now()}`;
  const db = join(dir, `bench-alone-${processes}p.db`);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  await runJson([bin, 'enqueue', csv, '--schema', schema, '--target', `sqlite:${db}`, '--table', 'people', '--id', id]);
  const result = await measure(`workers alone, ${processes} process${processes > 1 ? 'es' : ''}`, [
    { name: 'work', argv: [bin, 'work', '--until-idle', '--import', id, '--processes', String(processes)] },
  ]);
  const status = JSON.parse(await runJson([bin, 'status', id, '--json']));
  if (status.state !== 'complete' || status.succeeded + status.failed !== status.total) throw new Error(`import ${id} not exact: ${JSON.stringify(status)}`);
  await cleanKeys(`${prefix}:{${id}}:*`);
  return result;
}

function runJson(argv) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, argv, { cwd: root, env: { ...process.env, IMPORTER_PREFIX: prefix }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 || code === 3 ? resolveRun(out) : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

async function cleanKeys(pattern) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

const mb = (b) => (b / 1024 / 1024).toFixed(0);

/** The PostgreSQL case (scripts/bench/postgres.mjs) with this run's settings. */
const runPostgres = (schemaPath) => benchPostgres({ url: postgresUrl, dir, rows, columns, textLength, schemaPath, bin, measure, runJson, redis, prefix, cleanKeys, runs: postgresRuns, processes: postgresProcesses });

async function main() {
  const csv = join(dir, `people-${rows}x${columns}${wide ? '-wide' : ''}.csv`);
  const schemaPath = join(dir, `schema-${columns}.json`);
  writeFileSync(schemaPath, JSON.stringify(schemaFor(columns)));
  if (!existsSync(csv)) {
    process.stderr.write(`generating ${csv}\n`);
    await generateCsv(csv, { rows, columns, textLength });
  }
  const fileBytes = statSync(csv).size;
  process.stderr.write(`file: ${rows} rows, ${columns} columns, ${mb(fileBytes)} MB\n`);
  const results = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version }, file: { rows, columns, wide, bytes: fileBytes }, runs: {} };
  if (onlyPostgres) {
    // The PostgreSQL case alone (a quicker run while working on it); results.json is left as it is.
    try {
      const pg = await runPostgres(schemaPath);
      const runs = (list) => list.map((x) => x.toFixed(2)).join(', ');
      process.stdout.write(`psql \\copy ${pg.copy.seconds.toFixed(2)} s (${runs(pg.copy.runs)}); importer ${pg.import.seconds.toFixed(2)} s (${runs(pg.import.runs)}); ${pg.ratio.toFixed(2)}x\n`);
    } finally {
      await cleanKeys(`${prefix}:*`);
      await redis.quit();
    }
    return;
  }
  try {
    results.runs.parse = await measure('bare csv-parse', [{ name: 'parse', argv: [join(root, 'scripts/bench/bare.mjs'), 'parse', csv] }]);
    results.runs.import1 = await importerRun(csv, schemaPath, 1);
    results.runs.import2 = await importerRun(csv, schemaPath, 2);
    results.runs.alone1 = await workersAlone(csv, schemaPath, 1);
    results.runs.alone2 = await workersAlone(csv, schemaPath, 2);
    const reportOut = join(dir, 'report.xlsx');
    results.runs.report = await measure('importer report', [{ name: 'report', argv: [bin, 'report', results.runs.import2.id, '--out', reportOut] }]);
    results.runs.bareXlsx = await measure('bare exceljs', [{ name: 'xlsx', argv: [join(root, 'scripts/bench/bare.mjs'), 'xlsx', csv, join(dir, 'bare.xlsx')] }]);
    // Each case below starts on a Redis without the earlier imports' keys (their report is written).
    await cleanKeys(`${prefix}:*`);
    if (withPostgres) {
      results.runs.postgres = await runPostgres(schemaPath);
    }
    await cleanKeys(`${prefix}:*`);
    if (!skipBullmq) {
      const queue = `${prefix}-bullmq`;
      const bullCsv = bullmqRows === rows ? csv : join(dir, `people-${bullmqRows}x${columns}${wide ? '-wide' : ''}.csv`);
      if (!existsSync(bullCsv)) await generateCsv(bullCsv, { rows: bullmqRows, columns, textLength });
      const base = join(root, 'scripts/bench/bullmq-baseline.mjs');
      results.runs.bullmq = await measure('BullMQ, one job per row', [
        { name: 'producer', argv: [base, 'produce', bullCsv, queue, redisUrl] },
        { name: 'worker', argv: [base, 'work', schemaPath, queue, redisUrl, String(bullmqRows), '50'] },
      ]);
      results.runs.bullmq.rows = bullmqRows;
      await cleanKeys(`bull:${queue}:*`);
    }
  } finally {
    await cleanKeys(`${prefix}:*`);
    await redis.quit();
  }
  const r = results.runs;
  const rate = (run, n = rows) => n / run.seconds;
  const ratios = {
    importVsBullmq: r.bullmq ? rate(r.import2) / rate(r.bullmq, r.bullmq.rows) : null,
    importVsParse: r.import2.seconds / r.parse.seconds,
    import1VsParse: r.import1.seconds / r.parse.seconds,
    reportVsBareXlsx: r.report.seconds / r.bareXlsx.seconds,
    twoVsOneProcess: rate(r.import2) / rate(r.import1),
    twoVsOneWorkersAlone: r.alone1.seconds / r.alone2.seconds,
    redisPeakVsFile: r.import2.redisPeakBytes / fileBytes,
    bullmqRedisPeakVsFile: r.bullmq ? r.bullmq.redisPeakBytes / (fileBytes * (r.bullmq.rows / rows)) : null,
    postgresVsCopy: r.postgres ? r.postgres.ratio : null,
  };
  results.ratios = ratios;
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2));
  const line = (name, run, n = rows) => `| ${name} | ${run.seconds.toFixed(2)} | ${Math.round(rate(run, n)).toLocaleString('en-US')} | ${Object.entries(run.rss).map(([k, v]) => `${k} ${mb(v)}`).join(', ')} | ${mb(run.redisPeakBytes)} |`;
  const table = [
    `${rows.toLocaleString('en-US')} rows x ${columns} columns${wide ? ` (wide, ${textLength}-char text)` : ''}, ${mb(fileBytes)} MB; ${results.machine.cpus} x ${results.machine.cpu}, Node ${process.version}`,
    '',
    '| run | seconds | rows/s | peak RSS (MB) | Redis peak (MB) |',
    '| --- | ---: | ---: | --- | ---: |',
    line('bare csv-parse', r.parse),
    line('importer, 1 worker process', r.import1),
    line('importer, 2 worker processes', r.import2),
    line('workers alone on an enqueued import, 1 process', r.alone1),
    line('workers alone on an enqueued import, 2 processes', r.alone2),
    line('report to XLSX', r.report),
    line('bare exceljs streaming writer', r.bareXlsx),
    ...(r.bullmq ? [line('BullMQ, one job per row', r.bullmq, r.bullmq.rows)] : []),
    ...(r.postgres
      ? [
          `| psql \\copy into PostgreSQL (no validation), median of ${r.postgres.copy.runs.length} (${r.postgres.copy.runs.map((x) => x.toFixed(2)).join(', ')}) | ${r.postgres.copy.seconds.toFixed(2)} | ${Math.round(rows / r.postgres.copy.seconds).toLocaleString('en-US')} | | |`,
          line(`importer into PostgreSQL, ${postgresProcesses} worker process${postgresProcesses > 1 ? 'es' : ''}, median of ${r.postgres.import.runs.length} (${r.postgres.import.runs.map((x) => x.toFixed(2)).join(', ')})`, r.postgres.import),
        ]
      : []),
    '',
    `| goal | measured | target |`,
    `| --- | ---: | ---: |`,
    `| import rows/s vs BullMQ | ${ratios.importVsBullmq ? `${ratios.importVsBullmq.toFixed(1)}x` : 'n/a'} | >= 10x |`,
    `| import time vs bare parse (2 processes) | ${ratios.importVsParse.toFixed(2)}x | <= 2x |`,
    `| report time vs bare exceljs | ${ratios.reportVsBareXlsx.toFixed(2)}x | <= 1.5x |`,
    `| 2 vs 1 worker processes, end to end | ${ratios.twoVsOneProcess.toFixed(2)}x | >= 1.5x |`,
    `| 2 vs 1 worker processes, workers alone | ${ratios.twoVsOneWorkersAlone.toFixed(2)}x | >= 1.5x |`,
    `| Redis peak vs file size | ${ratios.redisPeakVsFile.toFixed(2)}x | <= 2x |`,
    ...(ratios.bullmqRedisPeakVsFile ? [`| BullMQ Redis peak vs file size | ${ratios.bullmqRedisPeakVsFile.toFixed(1)}x | (baseline) |`] : []),
    ...(ratios.postgresVsCopy ? [`| import into PostgreSQL vs psql \\copy | ${ratios.postgresVsCopy.toFixed(2)}x | <= 3x |`] : []),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  writeFileSync(join(dir, 'results.md'), `${table}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
