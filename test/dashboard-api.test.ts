/**
 * `importer dashboard`'s JSON API, through the built command line against the shared Redis (a
 * key prefix of the test's own): its answers are those of `status --json`, `list --json` and
 * `workers --json`; failed rows page and group; the report downloads as the XLSX `report`
 * writes; cancel and purge; the token and cross-site rules; a non-loopback bind without a token
 * is refused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { runCli } from './helpers/cli.js';
import { getJson, startDashboardCli, type RunningDashboard } from './helpers/dashboard.js';
import { importKeyTtls, importViaCli, PROBLEM_FAILED_ROWS, sqliteTarget, writeProblemFile } from './helpers/delivery.js';
import { readWorkbook } from './helpers/files.js';
import { writePeopleFile } from './helpers/people.js';
import { freePort, launch, PrivateRedis, waitFor, type Cli } from './helpers/processes.js';
import { tempDir } from './helpers/files.js';
import { useRedisScratch } from './helpers/redis.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((r) => (redis = r));
const env = { IMPORTER_PREFIX: prefix };

async function cliJson(args: readonly string[]): Promise<unknown> {
  const result = await runCli([...args, '--json'], { env });
  if (result.code !== 0 && result.code !== 3) throw new Error(`${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
}

/** An import left waiting for workers: enqueued, nothing worked. */
async function enqueueOnly(name: string, rows = 400): Promise<string> {
  const file = writePeopleFile(dir.path, name, rows);
  const enq = await runCli(['enqueue', file.path, '--schema', file.schemaPath, '--target', sqliteTarget(dir.path), '--chunk-size', '20'], { env });
  if (enq.code !== 0) throw new Error(`enqueue exited ${enq.code}: ${enq.stderr}`);
  return enq.stdout.trim();
}

describe('dashboard API', { timeout: 120_000 }, () => {
  let dashboard: RunningDashboard;
  let done: string;

  beforeAll(async () => {
    const { csv, schema } = writeProblemFile(dir.path);
    done = await importViaCli(env, csv, ['--schema', schema, '--target', sqliteTarget(dir.path), '--notify', 'ops@example.com']);
    dashboard = await startDashboardCli(env);
  }, 120_000);

  afterAll(async () => {
    await dashboard?.stop();
  });

  it('answers GET /api/imports/:id, /api/imports and /api/workers with what status, list and workers --json print', async () => {
    const waiting = await enqueueOnly('waiting');
    const status = await getJson(`${dashboard.url}api/imports/${done}`);
    expect(status.status).toBe(200);
    expect(status.body).toEqual(await cliJson(['status', done]));
    expect(status.body).toMatchObject({ id: done, state: 'complete', succeeded: 5, failed: 7, notify: 'ops@example.com' });

    const list = await getJson(`${dashboard.url}api/imports`);
    expect(list.body).toEqual(await cliJson(['list']));
    expect((list.body as { id: string }[]).map((s) => s.id)).toEqual([waiting, done]);
    const paged = await getJson(`${dashboard.url}api/imports?offset=1&limit=1`);
    expect((paged.body as { id: string }[]).map((s) => s.id)).toEqual([done]);

    // A worker on the waiting import, slowed by nothing: compared while its heartbeat is there.
    const worker: Cli = launch(['work', '--import', waiting, '--processes', '1'], env);
    try {
      const seen = await waitFor('a worker heartbeat', async () => {
        const api = (await getJson(`${dashboard.url}api/workers`)).body as { pid: number; lastSeenAt: string }[];
        return api.length === 1 ? api : null;
      });
      const cli = (await cliJson(['workers'])) as { pid: number; lastSeenAt: string }[];
      const strip = (ws: { lastSeenAt: string }[]): unknown[] => ws.map(({ lastSeenAt: _beat, ...rest }) => ({ ...rest, rows: undefined, chunks: undefined, currentImport: undefined }));
      expect(strip(seen)).toEqual(strip(cli));
      expect(seen[0]!.pid).toBe(cli[0]!.pid);
      expect(Object.keys(seen[0]!).sort()).toEqual(Object.keys(cli[0]!).sort());
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exit;
    }
  }, 120_000);

  it('pages the failed rows with their values and messages, and groups them by column and message', async () => {
    const all = await getJson(`${dashboard.url}api/imports/${done}/errors?offset=0&limit=500`);
    expect(all.status).toBe(200);
    const body = all.body as {
      failed: number;
      headers: string[];
      rows: { row: number; values: string[]; messages: string[] }[];
      groups: { column: string | null; problem: string; rows: number; examples: { row: number }[] }[];
    };
    expect(body.failed).toBe(7);
    expect(body.headers).toEqual(['id', 'name', 'email', 'age', '-notes']);
    expect(body.rows.map((r) => r.row).sort((a, b) => a - b)).toEqual(PROBLEM_FAILED_ROWS);
    const row3 = body.rows.find((r) => r.row === 3)!;
    expect(row3.values).toEqual(['3', 'Cid', 'not-an-email', '20', '']);
    expect(row3.messages).toEqual(['email must be a valid email address']);
    const email = body.groups.find((g) => g.column === 'email')!;
    expect(email).toMatchObject({ problem: 'must be a valid email address', rows: 3 });
    expect(email.examples.map((e) => e.row).sort()).toEqual([3, 4, 5]);
    expect(body.groups.reduce((n, g) => n + g.rows, 0)).toBe(7);

    const pages = [0, 3, 6].map((offset) => getJson(`${dashboard.url}api/imports/${done}/errors?offset=${offset}&limit=3`));
    const rows = (await Promise.all(pages)).map((p) => (p.body as typeof body).rows.map((r) => r.row));
    expect(rows.map((r) => r.length)).toEqual([3, 3, 1]);
    expect(rows.flat().sort((a, b) => a - b)).toEqual(PROBLEM_FAILED_ROWS);
    expect((await getJson(`${dashboard.url}api/imports/${done}/errors?offset=x`)).status).toBe(400);
  });

  it('downloads the report as the XLSX report writes, and a download sets no expiry', async () => {
    const response = await fetch(`${dashboard.url}api/imports/${done}/report`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/spreadsheetml/);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="import-${done}-report.xlsx"`);
    const path = join(dir.path, 'downloaded.xlsx');
    writeFileSync(path, Buffer.from(await response.arrayBuffer()));
    const sheets = await readWorkbook(path);
    expect([...sheets.keys()]).toEqual(['Summary', 'Errors', 'Imported']);
    expect(sheets.get('Errors')!.length).toBe(1 + 7);
    expect(sheets.get('Imported')!.length).toBe(1 + 5);
    const ttls = await importKeyTtls(redis, prefix, done);
    expect(ttls.size).toBeGreaterThan(0);
    expect([...ttls.values()].every((ttl) => ttl === -1)).toBe(true);

    const open = await enqueueOnly('unfinished', 40);
    const refused = await getJson(`${dashboard.url}api/imports/${open}/report`);
    expect(refused.status).toBe(409);
    expect((refused.body as { error: string }).error).toMatch(/not finished/);
  });

  it('cancels an import that has work (cancel --json answer), refuses a finished one, and purges', async () => {
    const open = await enqueueOnly('to-cancel');
    const post = (path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> =>
      getJson(`${dashboard.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' });
    const cancelled = await post(`api/imports/${open}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ id: open, previousState: 'processing', state: 'cancelled', cancelled: true });
    expect(await cliJson(['status', open]).catch(() => null)).toBeNull(); // status of a cancelled import exits 1
    const status = await runCli(['status', open, '--json'], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'cancelled' });

    const again = await post(`api/imports/${done}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ id: done, state: 'complete', cancelled: false });

    const purged = await post(`api/imports/${open}/purge`);
    expect(purged.status).toBe(200);
    expect(purged.body).toMatchObject({ id: open, purged: true });
    expect((purged.body as { keys: number }).keys).toBeGreaterThan(0);
    expect((await getJson(`${dashboard.url}api/imports/${open}`)).status).toBe(404);
    expect((await getJson(`${dashboard.url}api/imports/no-such-import`)).status).toBe(404);
    expect((await getJson(`${dashboard.url}api/imports/${encodeURIComponent('bad id!')}`)).status).toBe(400);
  });

  it('refuses cross-site requests that change something: a foreign Origin, a cross-site fetch, a form content type, a foreign Host', async () => {
    const open = await enqueueOnly('cross-site', 40);
    const url = `${dashboard.url}api/imports/${open}/cancel`;
    const attempts: { headers: Record<string, string>; status: number }[] = [
      { headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' }, status: 403 },
      { headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' }, status: 403 },
      { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, status: 415 },
      { headers: { 'Content-Type': 'text/plain' }, status: 415 },
    ];
    for (const attempt of attempts) {
      const answer = await getJson(url, { method: 'POST', headers: attempt.headers, body: '{}' });
      expect(answer.status, JSON.stringify(attempt.headers)).toBe(attempt.status);
    }
    // A page elsewhere that rebinds its name to 127.0.0.1 sends its own name as Host.
    const rebound = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request(`${dashboard.url}api/imports`, { headers: { Host: 'evil.example' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      }, reject);
    });
    expect(rebound).toBe(421);
    expect(await cliJson(['status', open]).then((s) => (s as { state: string }).state)).toBe('processing');
  });
});

describe('dashboard token', { timeout: 120_000 }, () => {
  it('with a token, every API request needs it as a bearer header; the page itself loads', async () => {
    const dashboard = await startDashboardCli({ ...env, IMPORTER_DASHBOARD_TOKEN: 's3cret-token' });
    try {
      const api = `${dashboard.url}api/imports`;
      expect((await getJson(api)).status).toBe(401);
      expect((await getJson(api, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await getJson(api, { headers: { Cookie: 'token=s3cret-token' } })).status).toBe(401);
      for (const spelling of ['%61pi/imports', '/api/imports', 'api//imports', 'API/imports', 'api/imports/', 'api/workers?x=/']) {
        expect((await getJson(`${dashboard.url}${spelling}`)).status, spelling).toBe(401);
      }
      const ok = await getJson(api, { headers: { Authorization: 'Bearer s3cret-token' } });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual(await cliJson(['list']));
      const cancel = await getJson(`${dashboard.url}api/imports/x/cancel`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(cancel.status).toBe(401);
      const page = await fetch(dashboard.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(await page.text()).toMatch(/id="sign-in-form"/);
    } finally {
      await dashboard.stop();
    }
  });

  it('refuses to serve on a non-loopback address without a token (exit 2), and serves there with one', async () => {
    const refused = await runCli(['dashboard', '--host', '0.0.0.0', '--port', '0'], { env: { ...env, IMPORTER_DASHBOARD_TOKEN: '' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to serve the dashboard on 0\.0\.0\.0 without a token/);
    expect(refused.stdout).toBe('');
    const withToken = await startDashboardCli(env, ['--host', '0.0.0.0', '--token', 'another-token']);
    try {
      expect(withToken.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
      const port = new URL(withToken.url).port;
      expect((await getJson(`http://127.0.0.1:${port}/api/workers`, { headers: { Authorization: 'Bearer another-token' } })).status).toBe(200);
    } finally {
      await withToken.stop();
    }
  });
});

describe('dashboard without Redis', () => {
  it('answers 503 while its Redis is down, keeps serving, and answers again once Redis is back', async () => {
    const own = tempDir();
    const server = new PrivateRedis(own.path, await freePort());
    await server.start();
    const dashboard = await startDashboardCli({ REDIS_URL: server.url, IMPORTER_PREFIX: prefix });
    try {
      expect(await getJson(`${dashboard.url}api/imports`)).toEqual({ status: 200, body: [] });
      await server.kill();
      const started = Date.now();
      const down = await getJson(`${dashboard.url}api/imports`);
      expect(down.status).toBe(503);
      expect((down.body as { error: string }).error).toMatch(/^Redis unavailable: /);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await fetch(dashboard.url)).status).toBe(200);
      await server.start();
      await waitFor('the API to answer again', async () => (await getJson(`${dashboard.url}api/workers`)).status === 200, 20_000, 200);
      expect(dashboard.cli.exited).toBe(false);
    } finally {
      await dashboard.stop();
      await server.stop();
      own.remove();
    }
  }, 120_000);
});
