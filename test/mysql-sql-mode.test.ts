/**
 * The MariaDB target on a server whose global sql_mode holds NO_BACKSLASH_ESCAPES: there a
 * backslash inside quotes is an ordinary character, so a value escaped the usual way (`\'`)
 * would end its string early and the rest of the cell would be read as SQL. A private server
 * (the shared one keeps its own mode); values are read back and compared byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { enqueue, work } from '../src/index.js';
import { openTarget } from '../src/targets/open-target.js';
import type { Target } from '../src/targets/target.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { csvLine, tempDir, writeFile } from './helpers/files.js';
import { PrivateMariadb } from './helpers/private-databases.js';
import { cleanPrefix, openRedis, testPrefix } from './helpers/redis.js';

const HOSTILE = [
  "') ON DUPLICATE KEY UPDATE x=1#",
  "'); DROP TABLE victims; -- ",
  'back\\slash \\\' \\" \\\\ and \\n not a line break',
  "it's \"quoted\" `ticked`",
  'ends with a backslash\\',
  'NUL \u0000 inside',
  'emoji 🦊 and ünïcödé',
  '\\',
  "'",
];

const dir = tempDir();
let server: PrivateMariadb;
let redis: ImporterRedis;
const prefix = testPrefix();
let admin: mysql.Connection;

beforeAll(async () => {
  server = await PrivateMariadb.create(['--sql-mode=NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES']);
  admin = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root', database: 'test' });
  redis = await openRedis();
}, 60_000);
afterAll(async () => {
  await admin?.end().catch(() => {});
  await server?.remove();
  if (redis) {
    await cleanPrefix(redis, prefix);
    await redis.quit();
  }
  dir.remove();
});

describe('MariaDB with NO_BACKSLASH_ESCAPES', () => {
  it('the server really runs in that mode', async () => {
    const [rows] = await admin.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.sql_mode AS m');
    expect(String(rows[0]!['m'])).toContain('NO_BACKSLASH_ESCAPES');
  });

  it('saves hostile cells as text, byte for byte, and keeps the other modes of the session', async () => {
    await admin.query("CREATE TABLE `o'neil` (id INT PRIMARY KEY, a TEXT, x INT NOT NULL DEFAULT 0, k VARCHAR(64) UNIQUE) DEFAULT CHARSET=utf8mb4");
    const target: Target = openTarget(server.url);
    try {
      await target.ensureTable({ table: "o'neil", columns: [], create: false, uniqueKey: [] });
      const rows = HOSTILE.map((value, i) => [i + 1, value, `k${i}`]);
      const rejected = await target.save({ importId: 'sqlmode', ledgerKey: 'sqlmode-1', chunk: 0, table: "o'neil", columns: ['id', 'a', 'k'], rows, onConflict: null });
      expect(rejected).toEqual([]);
      // An upsert of the same keys: its ON DUPLICATE KEY clause and values must stay the statement's.
      const updated = HOSTILE.map((value, i) => [i + 1, `${value}|again`, `k${i}`]);
      expect(await target.save({ importId: 'sqlmode', ledgerKey: 'sqlmode-1', chunk: 1, table: "o'neil", columns: ['id', 'a', 'k'], rows: updated, onConflict: { columns: ['id'], action: 'update' } })).toEqual([]);
    } finally {
      await target.close();
    }
    const [saved] = await admin.query<mysql.RowDataPacket[]>("SELECT id, a, x, k FROM `o'neil` ORDER BY id");
    expect(saved.map((r) => [r['id'], r['a'], r['x'], r['k']])).toEqual(HOSTILE.map((value, i) => [i + 1, `${value}|again`, 0, `k${i}`]));
    const [tables] = await admin.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'test' AND table_name = 'victims'");
    expect(Number(tables[0]!['n'])).toBe(0);
  });

  it('records refused rows whose words quote hostile values, and gives them back the same on a second delivery', async () => {
    await admin.query('CREATE TABLE refused (k VARCHAR(64) UNIQUE, a TEXT, n INT) DEFAULT CHARSET=utf8mb4');
    const target: Target = openTarget(server.url);
    try {
      await target.ensureTable({ table: 'refused', columns: [], create: false, uniqueKey: [] });
      // The last row is refused only in the server's STRICT_TRANS_TABLES, kept in the session.
      const rows = [[HOSTILE[2]!, 'first', 1], [HOSTILE[2]!, 'second', 2], [HOSTILE[0]!, 'third', 3], ['strict', 'fourth', 'not a number']];
      const request = { importId: 'sqlmode', ledgerKey: 'sqlmode-1', chunk: 7, table: 'refused', columns: ['k', 'a', 'n'], rows, onConflict: null };
      const first = await target.save(request);
      expect(first.map((r) => r.index)).toEqual([1, 3]);
      expect(first[0]!.message).toContain(HOSTILE[2]!);
      // The ledger's copy, read back for a redelivered chunk, holds the same words.
      expect(await target.save(request)).toEqual(first);
    } finally {
      await target.close();
    }
    const [saved] = await admin.query<mysql.RowDataPacket[]>('SELECT k, a FROM refused ORDER BY a');
    expect(saved.map((r) => [r['k'], r['a']])).toEqual([[HOSTILE[2], 'first'], [HOSTILE[0], 'third']]);
  });

  it('an import of a file of hostile cells, end to end: every cell lands as it is in the file', async () => {
    const lines = ['name,note', ...HOSTILE.filter((v) => !v.includes('\u0000')).map((v, i) => csvLine([`row ${i}`, v]))];
    const file = writeFile(dir.path, 'hostile.csv', `${lines.join('\n')}\n`);
    const result = await enqueue({ redis, prefix, source: file, target: server.url, table: 'hostile', createTable: true });
    await work({ redis, prefix, untilIdle: true, importId: result.id });
    const [saved] = await admin.query<mysql.RowDataPacket[]>('SELECT name, note FROM hostile ORDER BY name');
    expect(saved.map((r) => [r['name'], r['note']])).toEqual(HOSTILE.filter((v) => !v.includes('\u0000')).map((v, i) => [`row ${i}`, v]));
  });
});
