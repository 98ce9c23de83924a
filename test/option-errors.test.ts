/**
 * The library's errors name its options (`onConflict names ...`); the command line says the
 * same with its flags and variables (`--on-conflict names ...`, SMTP_URL).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { enqueue, report } from '../src/index.js';
import { OptionError, optionError, nameOptionsAs, optionNames, type NameOption } from '../src/errors.js';
import { cliMessage } from '../src/cli/option-names.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { useRedisScratch } from './helpers/redis.js';
import { writeFile } from './helpers/files.js';
import { runCli } from './helpers/cli.js';
import { tooManyColumns } from '../src/sources/csv-records.js';
import { serverName } from '../src/mail/smtp-errors.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

describe('errors that name options', () => {
  it('word the same message with the library\'s names or the command line\'s', () => {
    const err = optionError((o) => `${o('chunkSize')} must be a whole number; or set ${o('smtpUrl')}; ${o('somethingElse')}`);
    expect(err).toBeInstanceOf(OptionError);
    expect(err.kind).toBe('usage');
    expect(err.message).toBe('chunkSize must be a whole number; or set smtpUrl; somethingElse');
    expect(cliMessage(err)).toBe('--chunk-size must be a whole number; or set SMTP_URL; somethingElse');
  });

  it('limits of reading and the SMTP server name their options, and input errors keep their kind', () => {
    const err = tooManyColumns('f.csv', 3, 10);
    expect(err).toMatchObject({ kind: 'input', message: 'f.csv: line 3: a record has more than 10 fields, the limit (raise it with maxColumns)' });
    expect(cliMessage(err)).toBe('f.csv: line 3: a record has more than 10 fields, the limit (raise it with --max-columns)');
    expect(serverName('smtp://[bad')).toBe('from smtpUrl');
  });

  it('the library names its options', async () => {
    const source = writeFile(dir.path, 'people.csv', 'id,name\n1,a\n');
    await expect(enqueue({ redis, prefix, source, id: 'lib-chunk', chunkSize: 0 })).rejects.toThrow(/^chunkSize must be a whole number from 1 to 5000$/);
    await expect(enqueue({ redis, prefix, source, id: 'lib-priority', priority: 101 })).rejects.toThrow(/^priority must be a whole number from -100 to 100$/);
    await expect(enqueue({ redis, prefix, source, id: 'lib-conflict', onConflict: { columns: ['nope'], action: 'update' } })).rejects.toThrow(
      `onConflict names "nope", not among the columns of ${source}: "id", "name"`,
    );
    await enqueue({ redis, prefix, source, id: 'lib-mail', target: `sqlite:${join(dir.path, 'lib.db')}` });
    await expect(report({ redis, prefix, id: 'lib-mail', out: join(dir.path, 'lib.xlsx'), email: { to: ['a@example.com'] } })).rejects.toThrow(
      /^sending mail needs an SMTP server: set smtpUrl /,
    );
  });

  it('the command line names its flags and variables', async () => {
    const source = writeFile(dir.path, 'cli.csv', 'id,name\n1,a\n');
    const env = { IMPORTER_PREFIX: prefix, SMTP_URL: 'http://mail.example.com' };
    const conflict = await runCli(['enqueue', source, '--id', 'cli-conflict', '--on-conflict', 'nope', '--target', `sqlite:${join(dir.path, 'cli.db')}`], { env, cwd: dir.path });
    expect(conflict.stderr).toBe(`importer: --on-conflict names "nope", not among the columns of ${source}: "id", "name"\n`);
    expect(conflict.code).toBe(2);
    const queued = await runCli(['enqueue', source, '--id', 'cli-mail', '--target', `sqlite:${join(dir.path, 'cli.db')}`], { env, cwd: dir.path });
    expect(queued.code).toBe(0);
    const mail = await runCli(['report', 'cli-mail', '--email', 'a@example.com', '--out', join(dir.path, 'cli.xlsx')], { env, cwd: dir.path });
    expect(mail.stderr).toBe('importer: SMTP_URL "http://mail.example.com" must start with smtp:// or smtps://\n');
    expect(mail.code).toBe(2);
  }, 30_000);
  it('a message stored rather than printed names options as its process was told to (nameOptionsAs)', () => {
    const words = (o: NameOption): string => `table people does not exist: create it, or use ${o('createTable')}`;
    expect(optionError(words, 'state').message).toBe('table people does not exist: create it, or use createTable');
    const before = optionNames();
    nameOptionsAs({ createTable: '--create-table' });
    try {
      expect(optionError(words, 'state').message).toBe('table people does not exist: create it, or use --create-table');
      expect(optionError((o) => `${o('chunkSize')} must be a whole number`).message).toBe('chunkSize must be a whole number');
    } finally {
      nameOptionsAs(before);
    }
  });
});
