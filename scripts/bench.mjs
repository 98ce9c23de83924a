#!/usr/bin/env node
// npm run bench -- [--shape ascii|realistic] [--rows N] [--sizes N,N,N] [--quick] [--columns N] [--wide]
//                  [--runs N] [--skip-bullmq] [--bullmq-rows N] [--bare-xlsx] [--redis URL]
//                  [--postgres | --skip-postgres | --only-postgres] [--postgres-url URL] [--postgres-runs N] [--postgres-processes N]
//                  [--only-report]
// Measures, in one run on the same Redis, for one file shape (scripts/bench/shapes.mjs):
// - on the file of --rows rows: a bare csv-parse pass, the importer (enqueue + 2 worker
//   processes into SQLite side by side) and `importer check` (no Redis, no target) --runs times
//   alternating (medians compared), the importer
//   with 1 worker process, the workers alone, the BullMQ
//   one-job-per-row baseline, and (when PostgreSQL answers, or with --postgres) the importer into
//   PostgreSQL (1 worker process, `work`'s default; --postgres-processes N) against psql \copy
//   (scripts/bench/postgres.mjs);
// - at each of --sizes: the import (2 worker processes) and then its XLSX report, timed one after
//   the other, with the report's peak RSS and the import's own Redis bytes (peak during the import,
//   and at rest once the report is delivered) against the file's size.
// Peak RSS of each process from /proc. Prints a table and writes the same as JSON and Markdown
// (.bench/results-<shape>.json, .bench/results-<shape>.md).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { benchPostgres, DEFAULT_POSTGRES_URL, postgresAnswers } from './bench/postgres.mjs';
import { importBytes, pollImportBytes } from './bench/redis-bytes.mjs';
import { fileFor, shapeOf } from './bench/shapes.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const wide = args.includes('--wide');
const quick = args.includes('--quick');
const columns = Number(flag('--columns', wide ? 12 : 8));
const textLength = Number(flag('--text-length', wide ? 400 : 12));
const shape = shapeOf(flag('--shape', 'ascii'), { columns, textLength, wide });
// --quick: small files, fewer repeats; for checking the bench itself, not for numbers.
const rows = Number(flag('--rows', quick ? 20_000 : shape.name === 'realistic' ? 500_000 : 1_000_000));
const sizes = flag('--sizes', quick ? '5000,10000,20000' : '100000,500000,2000000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const skipBullmq = args.includes('--skip-bullmq');
const bullmqRows = Number(flag('--bullmq-rows', quick ? Math.min(rows, 5000) : rows));
const bareXlsx = args.includes('--bare-xlsx');
const redisUrl = flag('--redis', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const postgresUrl = flag('--postgres-url', DEFAULT_POSTGRES_URL);
const postgresRuns = Number(flag('--postgres-runs', quick ? 1 : 5));
const runs = Number(flag('--runs', quick ? 1 : 3));
// `work`'s own default. On two cores, with the enqueue running alongside, one process into
// PostgreSQL is faster than two (each extra one costs its start-up and takes CPU from the others):
// --postgres-processes 2 measures that case.
const postgresProcesses = Number(flag('--postgres-processes', 1));
const onlyPostgres = args.includes('--only-postgres');
const onlyReport = args.includes('--only-report');
const withPostgres = !args.includes('--skip-postgres') && (args.includes('--postgres') || onlyPostgres || (shape.postgresOk && postgresAnswers(postgresUrl)));
if (withPostgres && !shape.postgresOk) throw new Error('the PostgreSQL case mirrors the 8 columns of the ascii shape or the realistic shape: run it without --columns or --wide');
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

/**
 * CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s).
 * Polled like the RSS: what a process uses in its last poll interval before exiting is missed
 * (at most 0.1 s of CPU per process).
 */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function usedMemory() {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)[1]);
}

/**
 * Runs commands side by side; returns seconds, per-process peak RSS and Redis's peak memory
 * (used_memory above its level at the start: the whole shared Redis, noisy). With `importId`,
 * also the peak of that import's own keys (redis-bytes.mjs), which is what to compare with the file.
 */
async function measure(label, commands, { importId } = {}) {
  const base = await usedMemory();
  const own = importId ? pollImportBytes(redis, prefix, importId) : null;
  let redisPeak = base;
  const peaks = new Map();
  // CPU seconds by pid: on a machine shared with other work, what the programs used is steadier
  // than how long they took.
  const cpu = new Map();
  const started = performance.now();
  const children = [];
  const poll = setInterval(async () => {
    for (const { name, child } of children) {
      for (const pid of descendants(child.pid)) {
        const key = pid === child.pid ? name : `${name} child ${pid}`;
        peaks.set(key, Math.max(peaks.get(key) ?? 0, hwm(pid)));
        cpu.set(pid, Math.max(cpu.get(pid) ?? 0, cpuSeconds(pid)));
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
  const ownPeak = own ? await own.stop() : null;
  process.stderr.write(`  ${label}: ${seconds.toFixed(2)} s\n`);
  const cpuTotal = [...cpu.values()].reduce((a, b) => a + b, 0);
  return { seconds, cpuSeconds: cpuTotal, rss: Object.fromEntries(peaks), redisPeakBytes: redisPeak - base, ...(ownPeak ? { importPeakBytes: ownPeak.bytes, importPeakByKind: ownPeak.byKind } : {}), outputs };
}

async function importerRun(csv, schema, processes, label = `importer, ${processes} worker process${processes > 1 ? 'es' : ''}`) {
  const id = `bench-${processes}p-${Date.now()}`;
  const db = join(dir, `bench-${processes}p.db`);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const result = await measure(
    label,
    [
      { name: 'enqueue', argv: [bin, 'enqueue', csv, '--schema', schema, '--target', `sqlite:${db}`, '--table', 'people', '--id', id] },
      // Started together with the enqueue, as a standing fleet of workers (or `importer run`) has
      // them: a worker named an import that does not exist yet waits for it.
      { name: 'work', argv: [bin, 'work', '--until-idle', '--import', id, '--processes', String(processes)] },
    ],
    { importId: id },
  );
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

/** The run of the median time (the upper one of an even count). */
function medianRun(list) {
  return [...list].sort((a, b) => a.seconds - b.seconds)[Math.floor(list.length / 2)];
}

/** The PostgreSQL case (scripts/bench/postgres.mjs) with this run's settings. */
const runPostgres = (schemaPath) =>
  benchPostgres({
    url: postgresUrl,
    rows,
    validCsv: () => fileFor(shape, dir, rows, { valid: true }),
    tableColumns: shape.tableColumns,
    schemaPath,
    bin,
    measure,
    runJson,
    redis,
    prefix,
    cleanKeys,
    runs: postgresRuns,
    processes: postgresProcesses,
  });

/**
 * The report against the import it reports on, at one size: the import (enqueue + 2 worker
 * processes), then `report --out` (a delivery: the keys get their expiry and stay), then the
 * import's own keys at rest, counted exactly (MEMORY USAGE SAMPLES 0). The report is timed right
 * after its own import, never against one timed minutes before: the machine's speed drifts
 * within minutes, and the ratio is of one moment, as a user running both sees it.
 */
async function reportAtSize(size, schemaPath) {
  const csv = await fileFor(shape, dir, size);
  const fileBytes = statSync(csv).size;
  const run = await importerRun(csv, schemaPath, 2, `importer, 2 worker processes, ${size.toLocaleString('en-US')} rows`);
  const atRestBeforeReport = await importBytes(redis, prefix, run.id, 0);
  const out = join(dir, `report-${shape.name}-${size}.xlsx`);
  rmSync(out, { force: true });
  const report = await measure(`importer report, ${size.toLocaleString('en-US')} rows`, [{ name: 'report', argv: [bin, 'report', run.id, '--out', out] }]);
  const atRest = await importBytes(redis, prefix, run.id, 0);
  await cleanKeys(`${prefix}:{${run.id}}:*`);
  // The polls estimate (MEMORY USAGE's default sampling) and may miss the last moments of the
  // import: its exact size once done is a lower bound of its peak.
  const peak = run.importPeakBytes >= atRestBeforeReport.bytes ? { bytes: run.importPeakBytes, byKind: run.importPeakByKind } : atRestBeforeReport;
  const reportRss = Math.max(0, ...Object.values(report.rss));
  return {
    rows: size,
    fileBytes,
    importSeconds: run.seconds,
    reportSeconds: report.seconds,
    reportVsImport: report.seconds / run.seconds,
    importCpuSeconds: run.cpuSeconds,
    reportCpuSeconds: report.cpuSeconds,
    reportPeakRssBytes: reportRss,
    reportBytes: existsSync(out) ? statSync(out).size : null,
    enqueuePeakRssBytes: run.rss.enqueue ?? null,
    redisImportPeakBytes: peak.bytes,
    redisImportPeakByKind: peak.byKind,
    redisAtRestBeforeReportBytes: atRestBeforeReport.bytes,
    redisAtRestBytes: atRest.bytes,
    redisAtRestByKind: atRest.byKind,
    redisPeakVsFile: peak.bytes / fileBytes,
    redisAtRestVsFile: atRest.bytes / fileBytes,
  };
}

async function main() {
  const csv = await fileFor(shape, dir, rows);
  const schemaPath = join(dir, `schema-${shape.name}-${columns}.json`);
  writeFileSync(schemaPath, JSON.stringify(shape.schema));
  const fileBytes = statSync(csv).size;
  process.stderr.write(`file: ${shape.name} shape, ${rows} rows, ${mb(fileBytes)} MB\n`);
  const results = {
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverageAtStart: loadavg() },
    shape: shape.name,
    file: { rows, columns: shape.name === 'ascii' ? columns : null, wide, bytes: fileBytes },
    runs: {},
    sizes: [],
  };
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
  if (onlyReport) {
    // The table of --sizes alone (each an import, then its report); results.json is left as it is.
    try {
      for (const size of sizes) results.sizes.push(await reportAtSize(size, schemaPath));
    } finally {
      await cleanKeys(`${prefix}:*`);
      await redis.quit();
    }
    const table = [
      `${shape.name} shape; ${results.machine.cpus} x ${results.machine.cpu}, Node ${process.version}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at end`,
      '',
      ...sizeTable(results.sizes),
      '',
      '| goal | measured | target | met |',
      '| --- | ---: | ---: | :---: |',
      ...results.sizes.map((x) => `| report vs import, ${x.rows.toLocaleString('en-US')} rows | ${x.reportVsImport.toFixed(2)}x | <= 0.75x | ${x.reportVsImport <= 0.75 ? 'yes' : '**no**'} |`),
      ...results.sizes.map((x) => `| report peak RSS, ${x.rows.toLocaleString('en-US')} rows | ${mb(x.reportPeakRssBytes)} MB | <= 150 MB | ${x.reportPeakRssBytes <= 150 * 2 ** 20 ? 'yes' : '**no**'} |`),
    ].join('\n');
    process.stdout.write(`${table}\n`);
    writeFileSync(join(dir, `results-${shape.name}-report.md`), `${table}\n`);
    return;
  }
  try {
    // The bare parse and the import `--runs` times, alternating: on a machine whose load drifts
    // within minutes one of each would compare two moments. The ratio is of the medians.
    const parses = [];
    const imports = [];
    const checks = [];
    for (let run = 1; run <= runs; run++) {
      parses.push(await measure(`bare csv-parse (${run} of ${runs})`, [{ name: 'parse', argv: [join(root, 'scripts/bench/bare.mjs'), 'parse', csv] }]));
      imports.push(await importerRun(csv, schemaPath, 2, `importer, 2 worker processes (${run} of ${runs})`));
      checks.push(await measure(`importer check (${run} of ${runs})`, [{ name: 'check', argv: [bin, 'check', csv, '--schema', schemaPath, '--json'] }]));
    }
    results.runs.check = { ...medianRun(checks), runs: checks.map((x) => x.seconds) };
    results.runs.parse = { ...medianRun(parses), runs: parses.map((x) => x.seconds) };
    results.runs.import2 = { ...medianRun(imports), runs: imports.map((x) => x.seconds) };
    for (const run of imports) await cleanKeys(`${prefix}:{${run.id}}:*`);
    results.runs.import1 = await importerRun(csv, schemaPath, 1);
    await cleanKeys(`${prefix}:{${results.runs.import1.id}}:*`);
    results.runs.alone1 = await workersAlone(csv, schemaPath, 1);
    results.runs.alone2 = await workersAlone(csv, schemaPath, 2);
    if (bareXlsx) results.runs.bareXlsx = await measure('bare exceljs', [{ name: 'xlsx', argv: [join(root, 'scripts/bench/bare.mjs'), 'xlsx', csv, join(dir, 'bare.xlsx')] }]);
    // Each case below starts on a Redis without the earlier imports' keys (their report is written).
    await cleanKeys(`${prefix}:*`);
    if (withPostgres) {
      results.runs.postgres = await runPostgres(schemaPath);
    }
    await cleanKeys(`${prefix}:*`);
    if (!skipBullmq) {
      const queue = `${prefix}-bullmq`;
      const bullCsv = await fileFor(shape, dir, bullmqRows);
      const base = join(root, 'scripts/bench/bullmq-baseline.mjs');
      results.runs.bullmq = await measure('BullMQ, one job per row', [
        { name: 'producer', argv: [base, 'produce', bullCsv, queue, redisUrl] },
        { name: 'worker', argv: [base, 'work', schemaPath, queue, redisUrl, String(bullmqRows), '50'] },
      ]);
      results.runs.bullmq.rows = bullmqRows;
      await cleanKeys(`bull:${queue}:*`);
    }
    for (const size of sizes) results.sizes.push(await reportAtSize(size, schemaPath));
    results.sizes.sort((a, b) => a.rows - b.rows);
  } finally {
    await cleanKeys(`${prefix}:*`);
    await redis.quit();
  }
  results.machine.loadAverageAtEnd = loadavg();
  const r = results.runs;
  const rate = (run, n = rows) => n / run.seconds;
  const ratios = {
    importVsBullmq: r.bullmq ? rate(r.import2) / rate(r.bullmq, r.bullmq.rows) : null,
    importVsParse: r.import2.seconds / r.parse.seconds,
    importCpuVsParseCpu: r.import2.cpuSeconds / r.parse.cpuSeconds,
    checkVsParse: r.check.seconds / r.parse.seconds,
    checkCpuVsParseCpu: r.check.cpuSeconds / r.parse.cpuSeconds,
    import1VsParse: r.import1.seconds / r.parse.seconds,
    reportVsBareXlsx: r.bareXlsx && results.sizes.find((x) => x.rows === rows) ? results.sizes.find((x) => x.rows === rows).reportSeconds / r.bareXlsx.seconds : null,
    twoVsOneProcess: rate(r.import2) / rate(r.import1),
    twoVsOneWorkersAlone: r.alone1.seconds / r.alone2.seconds,
    enqueuePeakRssBytes: r.import2.rss.enqueue ?? null,
    redisImportPeakVsFile: r.import2.importPeakBytes / fileBytes,
    bullmqRedisPeakVsFile: r.bullmq ? r.bullmq.redisPeakBytes / (fileBytes * (r.bullmq.rows / rows)) : null,
    postgresVsCopy: r.postgres ? r.postgres.ratio : null,
  };
  results.ratios = ratios;
  writeFileSync(join(dir, `results-${shape.name}.json`), JSON.stringify(results, null, 2));
  const ownRedis = (run) => (run.importPeakBytes === undefined ? '' : mb(run.importPeakBytes));
  const line = (name, run, n = rows) =>
    `| ${name} | ${run.seconds.toFixed(2)} | ${run.cpuSeconds.toFixed(1)} | ${Math.round(rate(run, n)).toLocaleString('en-US')} | ${Object.entries(run.rss)
      .map(([k, v]) => `${k} ${mb(v)}`)
      .join(', ')} | ${ownRedis(run)} |`;
  const pass = (ok) => (ok ? 'yes' : '**no**');
  const lastSizes = results.sizes;
  const description =
    shape.name === 'realistic'
      ? 'realistic shape (international text, quoted multi-line notes, unique email, ~8% invalid)'
      : `ascii shape, ${columns} columns${wide ? ` (wide, ${textLength}-char text)` : ''}`;
  const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
  const table = [
    `${rows.toLocaleString('en-US')} rows, ${description}, ${mb(fileBytes)} MB; ${results.machine.cpus} x ${results.machine.cpu}, Node ${process.version}; load average ${load(results.machine.loadAverageAtStart)} at start, ${load(results.machine.loadAverageAtEnd)} at end`,
    '',
    '| run | seconds | CPU s | rows/s | peak RSS (MB) | Redis peak, own keys (MB) |',
    '| --- | ---: | ---: | ---: | --- | ---: |',
    line(`bare csv-parse, median of ${r.parse.runs.length} (${r.parse.runs.map((x) => x.toFixed(2)).join(', ')})`, r.parse),
    line('importer, 1 worker process', r.import1),
    line(`importer, 2 worker processes, median of ${r.import2.runs.length} (${r.import2.runs.map((x) => x.toFixed(2)).join(', ')})`, r.import2),
    line(`importer check (no Redis, no target), median of ${r.check.runs.length} (${r.check.runs.map((x) => x.toFixed(2)).join(', ')})`, r.check),
    line('workers alone on an enqueued import, 1 process', r.alone1),
    line('workers alone on an enqueued import, 2 processes', r.alone2),
    ...(r.bareXlsx ? [line('bare exceljs streaming writer', r.bareXlsx)] : []),
    ...(r.bullmq ? [line(`BullMQ, one job per row (${r.bullmq.rows.toLocaleString('en-US')} rows)`, r.bullmq, r.bullmq.rows)] : []),
    ...(r.postgres
      ? [
          `| psql \\copy of the valid rows into PostgreSQL (no validation), median of ${r.postgres.copy.runs.length} (${r.postgres.copy.runs.map((x) => x.toFixed(2)).join(', ')}) | ${r.postgres.copy.seconds.toFixed(2)} | | ${Math.round(rows / r.postgres.copy.seconds).toLocaleString('en-US')} | | |`,
          line(`importer into PostgreSQL, ${postgresProcesses} worker process${postgresProcesses > 1 ? 'es' : ''}, median of ${r.postgres.import.runs.length} (${r.postgres.import.runs.map((x) => x.toFixed(2)).join(', ')})`, r.postgres.import),
        ]
      : []),
    '',
    'Report against its own import (2 worker processes), one after the other; Redis bytes are the import\'s own keys (SCAN + MEMORY USAGE).',
    '',
    ...sizeTable(lastSizes),
    '',
    `| goal | measured | target | met |`,
    `| --- | ---: | ---: | :---: |`,
    `| import time vs bare parse (2 processes) | ${ratios.importVsParse.toFixed(2)}x | <= 2x | ${pass(ratios.importVsParse <= 2)} |`,
    `| import CPU seconds vs bare parse's (enqueue + workers, all processes) | ${ratios.importCpuVsParseCpu.toFixed(2)}x | (steadier under load; no goal) | |`,
    `| check time vs bare parse | ${ratios.checkVsParse.toFixed(2)}x | <= 1.5x | ${pass(ratios.checkVsParse <= 1.5)} |`,
    `| check CPU seconds vs bare parse's | ${ratios.checkCpuVsParseCpu.toFixed(2)}x | (steadier under load; no goal) | |`,
    ...(ratios.importVsBullmq ? [`| import rows/s vs BullMQ | ${ratios.importVsBullmq.toFixed(1)}x | >= 10x | ${pass(ratios.importVsBullmq >= 10)} |`] : []),
    ...(ratios.postgresVsCopy
      ? [`| import into PostgreSQL vs psql \\copy (${postgresProcesses} worker process${postgresProcesses > 1 ? 'es' : ''}) | ${ratios.postgresVsCopy.toFixed(2)}x | <= 3x | ${pass(ratios.postgresVsCopy <= 3)} |`]
      : []),
    ...(ratios.enqueuePeakRssBytes ? [`| enqueue peak RSS | ${mb(ratios.enqueuePeakRssBytes)} MB | <= 150 MB | ${pass(ratios.enqueuePeakRssBytes <= 150 * 2 ** 20)} |`] : []),
    ...lastSizes.map((x) => `| report vs import, ${x.rows.toLocaleString('en-US')} rows | ${x.reportVsImport.toFixed(2)}x | <= 0.75x | ${pass(x.reportVsImport <= 0.75)} |`),
    ...lastSizes.map((x) => `| report peak RSS, ${x.rows.toLocaleString('en-US')} rows | ${mb(x.reportPeakRssBytes)} MB | <= 150 MB | ${pass(x.reportPeakRssBytes <= 150 * 2 ** 20)} |`),
    ...lastSizes.map((x) => `| Redis at rest vs file, ${x.rows.toLocaleString('en-US')} rows | ${x.redisAtRestVsFile.toFixed(2)}x | <= 0.5x | ${pass(x.redisAtRestVsFile <= 0.5)} |`),
    `| 2 vs 1 worker processes, end to end | ${ratios.twoVsOneProcess.toFixed(2)}x | >= 1.5x | ${pass(ratios.twoVsOneProcess >= 1.5)} |`,
    `| 2 vs 1 worker processes, workers alone | ${ratios.twoVsOneWorkersAlone.toFixed(2)}x | >= 1.5x | ${pass(ratios.twoVsOneWorkersAlone >= 1.5)} |`,
    ...(ratios.reportVsBareXlsx ? [`| report vs bare exceljs | ${ratios.reportVsBareXlsx.toFixed(2)}x | (reference) | |`] : []),
    ...(ratios.bullmqRedisPeakVsFile ? [`| BullMQ Redis peak (used_memory) vs file size | ${ratios.bullmqRedisPeakVsFile.toFixed(1)}x | (baseline) | |`] : []),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  writeFileSync(join(dir, `results-${shape.name}.md`), `${table}\n`);
}

/** The report against its import at each size: the table, then its goals. */
function sizeTable(sizes) {
  const pass = (ok) => (ok ? 'yes' : '**no**');
  return [
    '| rows | file (MB) | import (s) | report (s) | report / import | CPU s, import / report | report peak RSS (MB) | enqueue peak RSS (MB) | Redis peak (MB, x file) | Redis at rest after delivery (MB, x file) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...sizes.map(
      (x) =>
        `| ${x.rows.toLocaleString('en-US')} | ${(x.fileBytes / 2 ** 20).toFixed(1)} | ${x.importSeconds.toFixed(2)} | ${x.reportSeconds.toFixed(2)} | ${x.reportVsImport.toFixed(2)}x | ${x.importCpuSeconds.toFixed(1)} / ${x.reportCpuSeconds.toFixed(1)} | ${mb(x.reportPeakRssBytes)} | ${x.enqueuePeakRssBytes ? mb(x.enqueuePeakRssBytes) : ''} | ${mb(x.redisImportPeakBytes)} (${x.redisPeakVsFile.toFixed(2)}x) | ${mb(x.redisAtRestBytes)} (${x.redisAtRestVsFile.toFixed(2)}x) |`,
    ),
  ];
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
