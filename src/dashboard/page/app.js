// The dashboard's page: polls the JSON API and shows what it answers. Every value shown comes
// from uploads or from Redis, so it is only ever set as text (textContent, text nodes), never
// as HTML. The token, when the dashboard asks for one, is kept for this tab only
// (sessionStorage) and sent as a bearer header, never as a cookie.
'use strict';

const TOKEN_KEY = 'importer-dashboard-token';
const POLL_MS = 1500;
const IMPORTS_PER_PAGE = 20;
const ROWS_PER_PAGE = 50;
/** Rows per second are measured over the looks of the last this many milliseconds. */
const RATE_WINDOW_MS = 20000;
const OPEN_STATES = new Set(['enqueuing', 'processing']);

const view = {
  importsOffset: 0,
  rowsOffset: 0,
  shownErrorsKey: null,
  generation: 0,
  timer: null,
};
/** id -> [{ at, done }]: successive looks at an import, for its pace. */
const samples = new Map();

class SignInNeeded extends Error {}

const $ = (id) => document.getElementById(id);

/** An element with text content and children; strings become text nodes. */
function el(tag, options = {}, ...children) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  if (options.href) node.href = options.href;
  if (options.title) node.title = options.title;
  for (const child of children) node.append(child);
  return node;
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(path, method = 'GET') {
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  const init = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    init.body = '{}';
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    $('sign-in-error').textContent = t ? 'That token was not accepted.' : '';
    sessionStorage.removeItem(TOKEN_KEY);
    throw new SignInNeeded('sign in');
  }
  return response;
}

async function apiJson(path, method = 'GET') {
  const response = await api(path, method);
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  return { ok: response.ok, status: response.status, body };
}

function count(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '–';
}

function when(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

function duration(seconds) {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Rows per second and seconds left from the looks at an import this page has taken. */
function pace(status) {
  const done = status.succeeded + status.failed;
  const now = Date.now();
  const list = samples.get(status.id) ?? [];
  list.push({ at: now, done });
  while (list.length > 2 && now - list[0].at > RATE_WINDOW_MS) list.shift();
  samples.set(status.id, list);
  if (!OPEN_STATES.has(status.state) || list.length < 2) return { rate: null, left: null };
  const first = list[0];
  const seconds = (now - first.at) / 1000;
  if (seconds <= 0) return { rate: null, left: null };
  const rate = Math.max(0, (done - first.done) / seconds);
  const left = status.total !== null && rate > 0 ? (status.total - done) / rate : null;
  return { rate, left };
}

function stateText(status) {
  const waiting = status.waitingSince && OPEN_STATES.has(status.state);
  return { state: status.state, waiting: waiting ? `waiting for its target since ${when(status.waitingSince)}` : '' };
}

function setProgress(bar, status) {
  const known = status.total ?? status.enqueued;
  const done = status.succeeded + status.failed;
  if (known > 0) {
    bar.max = known;
    bar.value = Math.min(done, known);
  } else if (OPEN_STATES.has(status.state)) {
    bar.removeAttribute('value');
  } else {
    bar.max = 1;
    bar.value = 1;
  }
  bar.title = known > 0 ? `${Math.floor((100 * done) / known)}%` : '';
}

function counts(dl, entries) {
  dl.replaceChildren(...entries.map(([label, value]) => el('div', {}, el('dt', { text: label }), el('dd', { text: value }))));
}

function statusCounts(status, p) {
  return [
    ['Rows', status.total === null ? `${count(status.enqueued)}+` : count(status.total)],
    ['Imported', count(status.succeeded)],
    ['Failed', count(status.failed)],
    ['Pending', count(status.pending)],
    ['Rows/s', p.rate === null ? '–' : count(Math.round(p.rate))],
    ['Time left', duration(p.left)],
    ['Notified', status.notify ?? '–'],
    ['Started', when(status.createdAt)],
    ['Finished', when(status.finishedAt)],
  ];
}

function show(section) {
  for (const id of ['sign-in', 'imports-view', 'import-view', 'not-found']) $(id).hidden = id !== section;
  $('sign-out').hidden = !token();
}

function route() {
  const match = /^#\/imports\/(.+)$/.exec(location.hash);
  if (!match) return { name: 'imports' };
  try {
    return { name: 'import', id: decodeURIComponent(match[1]) };
  } catch {
    return { name: 'imports' };
  }
}

// ---- the list of imports, and the workers ----

function importCard(status) {
  const p = pace(status);
  const s = stateText(status);
  const bar = el('progress');
  setProgress(bar, status);
  const dl = el('dl', { className: 'counts' });
  counts(dl, statusCounts(status, p));
  const card = el(
    'article',
    { className: 'card' },
    el('h3', {}, el('a', { href: `#/imports/${encodeURIComponent(status.id)}`, text: status.id })),
    el('p', { className: 'file', text: status.file }),
    el('p', {}, el('span', { className: `state state-${status.state}`, text: s.state }), ' ', el('span', { className: 'waiting', text: s.waiting })),
    bar,
    dl,
  );
  card.dataset.id = status.id;
  return card;
}

async function refreshImports() {
  const [imports, workers] = await Promise.all([
    apiJson(`/api/imports?offset=${view.importsOffset}&limit=${IMPORTS_PER_PAGE + 1}`),
    apiJson('/api/workers'),
  ]);
  if (!imports.ok) throw new Error(imports.body.error ?? `HTTP ${imports.status}`);
  const list = imports.body;
  const shown = list.slice(0, IMPORTS_PER_PAGE);
  $('imports').replaceChildren(...(shown.length ? shown.map(importCard) : [el('p', { className: 'muted', text: 'No imports.' })]));
  $('imports-prev').disabled = view.importsOffset === 0;
  $('imports-next').disabled = list.length <= IMPORTS_PER_PAGE;
  $('imports-page').textContent = shown.length ? `${view.importsOffset + 1}–${view.importsOffset + shown.length}` : '';
  if (workers.ok) {
    const rows = workers.body.map((w) =>
      el(
        'tr',
        {},
        el('td', { text: w.host }),
        el('td', { text: w.pid }),
        el('td', {}, w.currentImport ? el('a', { href: `#/imports/${encodeURIComponent(w.currentImport)}`, text: w.currentImport }) : '–'),
        el('td', { text: count(w.rows) }),
        el('td', { text: count(w.chunks) }),
        el('td', { text: when(w.lastSeenAt) }),
        el('td', { text: (w.waitingFor ?? []).map((t) => `${t.target} since ${when(t.since)} (${t.reason})`).join('; ') || '–' }),
      ),
    );
    $('workers').tBodies[0].replaceChildren(...rows);
    $('no-workers').hidden = rows.length > 0;
  }
}

// ---- one import ----

function renderImport(status) {
  const p = pace(status);
  const s = stateText(status);
  $('import-id').textContent = status.id;
  $('import-file').textContent = status.file;
  $('import-state').textContent = s.state;
  $('import-state').className = `state state-${status.state}`;
  $('import-waiting').textContent = s.waiting ? `(${s.waiting}${status.waitingReason ? `: ${status.waitingReason}` : ''})` : '';
  setProgress($('import-progress'), status);
  const entries = statusCounts(status, p);
  entries.push(['Target', `${status.target} (table ${status.table})`]);
  if (status.ignoredColumns.length) entries.push(['Ignored columns', status.ignoredColumns.join(', ')]);
  if (status.expiresAt) entries.push(['Data expires', when(status.expiresAt)]);
  counts($('import-counts'), entries);
  $('import-error').textContent = status.error ?? '';
  const open = OPEN_STATES.has(status.state);
  $('download-report').disabled = open;
  $('download-report').title = open ? 'The report is written once every row has an outcome' : '';
  $('cancel-import').disabled = !open;
}

function renderErrors(errors) {
  const groups = errors.groups.map((g) => {
    const what = g.column === null ? g.problem : `${g.column}: ${g.problem}`;
    const examples = g.examples.map((r) => `row ${r.row}: ${r.values.join(', ')}`).join(' · ');
    return el(
      'li',
      {},
      el('strong', { text: what }),
      ` — ${count(g.rows)} ${g.rows === 1 ? 'row' : 'rows'}`,
      el('div', { className: 'examples', text: examples ? `e.g. ${examples}` : '' }),
    );
  });
  $('error-groups').replaceChildren(...groups);
  $('no-errors').hidden = errors.failed > 0;
  const head = $('failed-rows').tHead.rows[0];
  head.replaceChildren(...['Row', 'Line', 'Problems', ...errors.headers].map((h) => el('th', { text: h })));
  const body = errors.rows.map((r) =>
    el('tr', {}, el('td', { text: r.row }), el('td', { text: r.line ?? '–' }), el('td', { className: 'problems', text: r.messages.join('\n') }), ...r.values.map((v) => el('td', { text: v }))),
  );
  $('failed-rows').tBodies[0].replaceChildren(...body);
  $('rows-prev').disabled = view.rowsOffset === 0;
  $('rows-next').disabled = view.rowsOffset + errors.rows.length >= errors.failed;
  $('rows-page').textContent = errors.rows.length ? `${view.rowsOffset + 1}–${view.rowsOffset + errors.rows.length} of ${count(errors.failed)}` : '';
}

async function refreshImport(id) {
  const found = await apiJson(`/api/imports/${encodeURIComponent(id)}`);
  if (!found.ok) {
    show('not-found');
    $('not-found-message').textContent = found.body.error ?? `HTTP ${found.status}`;
    return false;
  }
  renderImport(found.body);
  const errorsKey = `${id}|${found.body.state}|${found.body.failed}|${view.rowsOffset}`;
  if (errorsKey !== view.shownErrorsKey) {
    const errors = await apiJson(`/api/imports/${encodeURIComponent(id)}/errors?offset=${view.rowsOffset}&limit=${ROWS_PER_PAGE}`);
    if (errors.ok) {
      renderErrors(errors.body);
      view.shownErrorsKey = errorsKey;
    }
  }
  return true;
}

function say(message, isError = false) {
  $('action-message').textContent = message;
  $('action-message').className = isError ? 'error' : '';
}

async function cancelShown() {
  const { id } = route();
  const result = await apiJson(`/api/imports/${encodeURIComponent(id)}/cancel`, 'POST');
  say(result.ok ? `Cancelled (it was ${result.body.previousState}).` : result.body.error ?? `HTTP ${result.status}`, !result.ok);
  await refresh();
}

async function purgeShown() {
  const { id } = route();
  $('purge-confirm').hidden = true;
  const result = await apiJson(`/api/imports/${encodeURIComponent(id)}/purge`, 'POST');
  if (!result.ok) return say(result.body.error ?? `HTTP ${result.status}`, true);
  location.hash = '#/';
}

async function downloadReport() {
  const { id } = route();
  const button = $('download-report');
  button.disabled = true;
  say('Writing the report…');
  try {
    const response = await api(`/api/imports/${encodeURIComponent(id)}/report`);
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      return say(body.error ?? `HTTP ${response.status}`, true);
    }
    const url = URL.createObjectURL(await response.blob());
    const link = el('a', { href: url });
    link.download = `import-${id}-report.xlsx`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    say('Report downloaded.');
  } finally {
    button.disabled = false;
  }
}

// ---- the loop ----

async function refresh() {
  const generation = ++view.generation;
  clearTimeout(view.timer);
  try {
    const r = route();
    if (r.name === 'import') {
      if (await refreshImport(r.id)) show('import-view');
    } else {
      await refreshImports();
      show('imports-view');
    }
    $('live').textContent = `live · updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    if (err instanceof SignInNeeded) {
      show('sign-in');
      $('live').textContent = 'signed out';
      return; // no polling until signed in
    }
    $('live').textContent = `cannot reach the dashboard (${err.message}); retrying`;
  }
  if (generation === view.generation) view.timer = setTimeout(refresh, POLL_MS);
}

function guarded(action) {
  return () => action().catch((err) => (err instanceof SignInNeeded ? refresh() : say(err.message, true)));
}

function start() {
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value);
    $('token').value = '';
    $('sign-in-error').textContent = '';
    void refresh();
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    void refresh();
  });
  $('imports-prev').addEventListener('click', () => {
    view.importsOffset = Math.max(0, view.importsOffset - IMPORTS_PER_PAGE);
    void refresh();
  });
  $('imports-next').addEventListener('click', () => {
    view.importsOffset += IMPORTS_PER_PAGE;
    void refresh();
  });
  $('rows-prev').addEventListener('click', () => {
    view.rowsOffset = Math.max(0, view.rowsOffset - ROWS_PER_PAGE);
    void refresh();
  });
  $('rows-next').addEventListener('click', () => {
    view.rowsOffset += ROWS_PER_PAGE;
    void refresh();
  });
  $('cancel-import').addEventListener('click', guarded(cancelShown));
  $('purge-import').addEventListener('click', () => ($('purge-confirm').hidden = false));
  $('purge-no').addEventListener('click', () => ($('purge-confirm').hidden = true));
  $('purge-yes').addEventListener('click', guarded(purgeShown));
  $('download-report').addEventListener('click', guarded(downloadReport));
  window.addEventListener('hashchange', () => {
    view.rowsOffset = 0;
    view.shownErrorsKey = null;
    $('purge-confirm').hidden = true;
    say('');
    void refresh();
  });
  void refresh();
}

start();
