/**
 * `importer dashboard` in a real browser: Debian's Chromium driven by playwright-core, against
 * the built command line and the shared Redis (a key prefix of the test's own). An import's
 * progress moves on the page while a worker runs, its error groups show, its report downloads
 * and opens; another import is cancelled, then purged, from the page; a file named like HTML, and
 * HTML in its values, show as text; the token's sign-in form. A failing test leaves a screenshot
 * in test-results/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { startDashboardCli, type RunningDashboard } from './helpers/dashboard.js';
import { importViaCli, sqliteTarget } from './helpers/delivery.js';
import { csvLine, readWorkbook, writeFile } from './helpers/files.js';
import { writePeopleFile } from './helpers/people.js';
import { launch, sleep, waitFor } from './helpers/processes.js';
import { useRedisScratch } from './helpers/redis.js';
import { enqueue as enqueueFile } from '../src/enqueue/enqueue.js';
import type { ImporterRedis } from '../src/redis/scripts.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = new URL('../test-results/', import.meta.url);
// In CI a missing browser is a failure (.ci/run installs it); elsewhere the tests say why they skip.
const skip = !existsSync(CHROMIUM) && !process.env['CI'];
if (skip) console.warn(`dashboard browser tests skipped: ${CHROMIUM} is absent (apt-get install chromium)`);

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((r) => (redis = r));
const env = { IMPORTER_PREFIX: prefix };

async function launchBrowser(): Promise<{ context: BrowserContext; remove: () => void }> {
  const profile = mkdtempSync(join(tmpdir(), 'importer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { context, remove: () => rmSync(profile, { recursive: true, force: true }) };
}

/** Runs a test's steps; on failure the page is kept as test-results/dashboard-<name>.png. */
async function withScreenshot(page: Page, name: string, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (err) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS.pathname, `dashboard-${name}.png`), fullPage: true }).catch(() => {});
    throw err;
  }
}

/** A <progress> element's value and max (run in the page). */
function progressOf(bar: unknown): { value: number; max: number } {
  const { value, max } = bar as { value: number; max: number };
  return { value, max };
}

async function enqueue(path: string, args: readonly string[]): Promise<string> {
  const result = await runCli(['enqueue', path, ...args], { env });
  if (result.code !== 0) throw new Error(`enqueue exited ${result.code}: ${result.stderr}`);
  return result.stdout.trim();
}

async function stateOf(id: string): Promise<string> {
  const result = await runCli(['status', id, '--json'], { env });
  return (JSON.parse(result.stdout) as { state: string }).state;
}

describe.skipIf(skip)('dashboard in a browser', () => {
  let dashboard: RunningDashboard;
  let browser: { context: BrowserContext; remove: () => void };
  let page: Page;
  const dialogs: string[] = [];

  beforeAll(async () => {
    dashboard = await startDashboardCli(env);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.context.close();
    browser?.remove();
    await dashboard?.stop();
  });

  it('shows an import moving while a worker runs, then its error groups and failed rows; its report downloads and opens', async () => {
    const people = writePeopleFile(dir.path, 'people', 1500);
    // Each chunk's save takes a while, so that the page sees the import part way.
    const handler = writeFile(dir.path, 'slow-save.mjs', 'export default { async save() { await new Promise((r) => setTimeout(r, 200)); } };\n');
    const id = await enqueue(people.path, ['--schema', people.schemaPath, '--handler', handler, '--chunk-size', '50']);
    await withScreenshot(page, 'progress', async () => {
      await page.goto(`${dashboard.url}#/imports/${id}`);
      await page.locator('#import-state', { hasText: 'processing' }).waitFor();
      expect(await page.locator('#import-file').textContent()).toBe(people.path);
      const listPage = await browser.context.newPage();
      listPage.setDefaultTimeout(20_000);
      await listPage.goto(`${dashboard.url}#/`);
      await listPage.locator(`.card[data-id="${id}"]`).waitFor();
      const worker = launch(['work', '--until-idle', '--import', id, '--processes', '1', '--concurrency', '1'], env);
      const seen = new Set<number>();
      const rates = new Set<string>();
      // The workers table, on the list page, while the worker runs: its host, pid and import.
      const workerRow = listPage
        .locator('#workers tbody tr', { hasText: id })
        .first()
        .waitFor()
        .then(() => listPage.locator('#workers tbody tr', { hasText: id }).first().locator('td').allTextContents())
        .finally(() => listPage.close());
      try {
        await waitFor(
          'the import to complete on the page',
          async () => {
            const { value, max } = await page.locator('#import-progress').evaluate(progressOf);
            if (value > 0 && value < max) seen.add(value);
            const rate = await page.locator('#import-counts div', { hasText: 'Rows/s' }).locator('dd').textContent();
            if (rate && rate !== '–') rates.add(rate);
            return (await page.locator('#import-state').textContent()) === 'complete';
          },
          60_000,
          200,
        );
        expect((await worker.result).code).toBe(0);
      } finally {
        if (!worker.exited) worker.child.kill('SIGTERM');
      }
      const cells = await workerRow;
      expect(cells.slice(0, 3)).toEqual([hostname(), String(worker.pid), id]);
      expect(seen.size, `progress values seen part way: ${[...seen].join(', ')}`).toBeGreaterThanOrEqual(2);
      expect(rates.size).toBeGreaterThanOrEqual(1);
      const bar = await page.locator('#import-progress').evaluate(progressOf);
      expect(bar).toEqual({ value: 1500, max: 1500 });
      const counts = await page.locator('#import-counts').innerText();
      expect(counts).toContain(`Imported\n${people.valid.toLocaleString('en-US')}`);
      expect(counts).toContain(`Failed\n${people.invalid}`);

      const badEmails = people.rows.filter((r) => r.problem?.source.includes('email must be')).length;
      const badAges = people.rows.filter((r) => r.problem?.source.includes('age must be')).length;
      expect(badEmails).toBeGreaterThan(0);
      const groups = page.locator('#error-groups li');
      await expect.poll(() => groups.count()).toBeGreaterThanOrEqual(3);
      const texts = await groups.allInnerTexts();
      expect(texts.find((t) => t.startsWith('email: must be a valid email address'))).toContain(`— ${badEmails} rows`);
      expect(texts.find((t) => t.startsWith('age: must be a whole number from 0 to 150'))).toContain(`— ${badAges} rows`);
      expect(texts.find((t) => t.startsWith('email:'))).toMatch(/e\.g\. row \d+: \d+, Person \d+, not-an-email-\d+/);

      const rows = page.locator('#failed-rows tbody tr');
      expect(await rows.count()).toBe(Math.min(50, people.invalid));
      expect(await page.locator('#failed-rows thead th').allInnerTexts()).toEqual(['Row', 'Line', 'Problems', 'id', 'name', 'email', 'age', 'country']);
      expect(await page.locator('#rows-page').textContent()).toBe(`1–${Math.min(50, people.invalid)} of ${people.invalid}`);

      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-report').click()]);
      expect(download.suggestedFilename()).toBe(`import-${id}-report.xlsx`);
      const saved = join(dir.path, 'from-the-page.xlsx');
      await download.saveAs(saved);
      const sheets = await readWorkbook(saved);
      expect(sheets.get('Errors')!.length).toBe(1 + people.invalid);
      expect(sheets.get('Imported')!.length).toBe(1 + people.valid);
    });
  }, 120_000);

  it('cancels an import from its page, then purges it after a confirmation', async () => {
    const people = writePeopleFile(dir.path, 'to-cancel', 300);
    const id = await enqueue(people.path, ['--schema', people.schemaPath, '--target', sqliteTarget(dir.path), '--chunk-size', '20']);
    await withScreenshot(page, 'cancel', async () => {
      await page.goto(`${dashboard.url}#/imports/${id}`);
      await page.locator('#import-state', { hasText: 'processing' }).waitFor();
      expect(await page.locator('#download-report').isDisabled()).toBe(true);
      await page.locator('#cancel-import').click();
      await page.locator('#import-state', { hasText: 'cancelled' }).waitFor();
      expect(await page.locator('#action-message').textContent()).toBe('Cancelled (it was processing).');
      expect(await page.locator('#cancel-import').isDisabled()).toBe(true);
      expect(await stateOf(id)).toBe('cancelled');

      await page.locator('#purge-import').click();
      await page.locator('#purge-confirm').waitFor();
      await page.locator('#purge-no').click();
      expect(await page.locator('#purge-confirm').isHidden()).toBe(true);
      expect(await stateOf(id)).toBe('cancelled');
      await page.locator('#purge-import').click();
      await page.locator('#purge-yes').click();
      await page.waitForURL((url) => url.hash === '#/');
      await page.locator('#imports-view').waitFor();
      expect(await page.locator(`.card[data-id="${id}"]`).count()).toBe(0);
      const status = await runCli(['status', id], { env });
      expect(status.stderr).toMatch(/no import with id/);
    });
  }, 120_000);

  it('shows a file named like HTML, and HTML in its values, as text, on a phone-sized screen', async () => {
    const name = '<img src=x onerror=alert(1)>.csv';
    const path = writeFile(
      dir.path,
      name,
      [
        csvLine(['id', 'name', 'email']),
        csvLine(['1', '<b>bold</b>', 'ok@example.com']),
        csvLine(['2', '<script>alert(2)</script>', '<img src=y onerror=alert(3)>']),
        csvLine(['3', '<a href="javascript:alert(4)">x</a>', 'not-an-email']),
      ].join('\n') + '\n',
    );
    const schema = writeFile(
      dir.path,
      'html.schema.json',
      JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, email: { type: 'string', format: 'email' } } }),
    );
    const id = await importViaCli(env, path, ['--schema', schema, '--target', sqliteTarget(dir.path), '--table', 'html_people']);
    await withScreenshot(page, 'html-as-text', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${dashboard.url}#/`);
      const card = page.locator(`.card[data-id="${id}"]`);
      await card.waitFor();
      expect(await card.locator('.file').textContent()).toBe(path);
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

      await card.locator('h3 a').click();
      await page.locator('#import-state', { hasText: 'complete' }).waitFor();
      expect(await page.locator('#import-file').textContent()).toBe(path);
      await expect.poll(() => page.locator('#failed-rows tbody tr').count()).toBe(2);
      const cells = await page.locator('#failed-rows tbody td').allTextContents();
      expect(cells).toContain('<script>alert(2)</script>');
      expect(cells).toContain('<img src=y onerror=alert(3)>');
      expect(cells).toContain('<a href="javascript:alert(4)">x</a>');
      expect(await page.locator('#error-groups').textContent()).toContain('<img src=y onerror=alert(3)>');
      // Nothing from the upload became markup, and nothing ran.
      expect(await page.locator('main img, main script, main b, main a[href^="javascript"]').count()).toBe(0);
      await sleep(500);
      expect(dialogs).toEqual([]);
    });
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 120_000);

  it('lists imports newest first, 20 a page', async () => {
    // Under a prefix of their own (inside the test's, so its clean-up takes them too).
    const own = `${prefix}:paging`;
    const csv = writeFile(dir.path, 'tiny.csv', 'a\n1\n');
    for (let i = 0; i < 21; i++) await enqueueFile({ redis, prefix: own, source: csv, target: sqliteTarget(dir.path), notify: `n${i}@example.com` });
    const listed = await runCli(['list', '--json'], { env: { IMPORTER_PREFIX: own } });
    const summaries = JSON.parse(listed.stdout) as { id: string; notify: string }[];
    const ids = summaries.map((s) => s.id);
    expect(ids).toHaveLength(21);
    const paged = await startDashboardCli({ IMPORTER_PREFIX: own });
    const list = await browser.context.newPage();
    list.setDefaultTimeout(20_000);
    try {
      await withScreenshot(list, 'paging', async () => {
        await list.goto(paged.url);
        await list.locator('.card').first().waitFor();
        const cardIds = (): Promise<(string | null)[]> => list.locator('.card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-id')));
        expect(await cardIds()).toEqual(ids.slice(0, 20));
        expect(await list.locator('#imports-page').textContent()).toBe('1–20');
        expect(await list.locator('#imports-prev').isDisabled()).toBe(true);
        await list.locator('#imports-next').click();
        await list.locator('#imports-page', { hasText: '21–21' }).waitFor();
        expect(await cardIds()).toEqual(ids.slice(20));
        expect(await list.locator('#imports-next').isDisabled()).toBe(true);
        expect(await list.locator('.card .counts').first().innerText()).toContain(`Notified\n${summaries[20]!.notify}`);
      });
    } finally {
      await list.close();
      await paged.stop();
    }
  }, 120_000);

  it('asks for the token of a dashboard that has one, then shows the imports', async () => {
    const people = writePeopleFile(dir.path, 'behind-a-token', 40);
    const id = await enqueue(people.path, ['--schema', people.schemaPath, '--target', sqliteTarget(dir.path)]);
    const guarded = await startDashboardCli({ ...env, IMPORTER_DASHBOARD_TOKEN: 'page-token' });
    const signIn = await browser.context.newPage();
    signIn.setDefaultTimeout(20_000);
    try {
      await withScreenshot(signIn, 'sign-in', async () => {
        await signIn.goto(guarded.url);
        await signIn.locator('#sign-in-form').waitFor();
        await signIn.locator('#token').fill('wrong');
        await signIn.locator('#sign-in-form button').click();
        await signIn.locator('#sign-in-error', { hasText: 'That token was not accepted.' }).waitFor();
        expect(await signIn.locator('#sign-in').isVisible()).toBe(true);
        await signIn.locator('#token').fill('page-token');
        await signIn.locator('#sign-in-form button').click();
        await signIn.locator('#imports-view').waitFor();
        await signIn.locator(`.card[data-id="${id}"]`).waitFor();
        expect(await signIn.evaluate('document.cookie')).toBe('');
      });
    } finally {
      await signIn.close();
      await guarded.stop();
    }
  }, 120_000);
});
