import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../../src/cli/environment.js';
import { targetPassword } from '../../src/targets/target-options.js';

describe('the command line\'s environment', () => {
  it('turns each variable into the option the library takes', () => {
    const env = readEnvironment({
      REDIS_URL: 'redis://r:6379',
      IMPORTER_PREFIX: 'p',
      IMPORTER_TARGET_PASSWORD: 'any',
      PGPASSWORD: 'pg',
      MYSQL_PWD: 'my',
      IMPORTER_SQLITE_BUSY_TIMEOUT_MS: '250',
      SMTP_URL: 'smtp://m:25',
      MAIL_FROM: 'me@example.com',
      AWS_ENDPOINT_URL_S3: 'http://s3:9000',
      AWS_ENDPOINT_URL: 'http://other:9000',
      IMPORTER_DEBUG: '1',
    });
    expect(env).toEqual({
      redisUrl: 'redis://r:6379',
      prefix: 'p',
      targets: { password: 'any', postgresPassword: 'pg', mysqlPassword: 'my', sqliteBusyTimeoutMs: 250 },
      smtpUrl: 'smtp://m:25',
      mailFrom: 'me@example.com',
      s3Endpoint: 'http://s3:9000',
      debug: true,
    });
  });

  it('leaves absent or unusable values to the defaults', () => {
    const env = readEnvironment({ IMPORTER_SQLITE_BUSY_TIMEOUT_MS: 'soon', AWS_ENDPOINT_URL: 'http://other:9000' });
    expect(env.targets.sqliteBusyTimeoutMs).toBeUndefined();
    expect(env.s3Endpoint).toBe('http://other:9000');
    expect(env.smtpUrl).toBeUndefined();
    expect(env.debug).toBe(false);
    expect(readEnvironment({ IMPORTER_SQLITE_BUSY_TIMEOUT_MS: '-1' }).targets.sqliteBusyTimeoutMs).toBeUndefined();
    expect(readEnvironment({ IMPORTER_SQLITE_BUSY_TIMEOUT_MS: '0' }).targets.sqliteBusyTimeoutMs).toBe(0);
  });

  it('gives a target the password for any target first, else its kind\'s', () => {
    const { targets } = readEnvironment({ PGPASSWORD: 'pg', MYSQL_PWD: 'my' });
    expect(targetPassword('postgres', targets)).toBe('pg');
    expect(targetPassword('mysql', targets)).toBe('my');
    expect(targetPassword('sqlite', targets)).toBeUndefined();
    const generic = readEnvironment({ IMPORTER_TARGET_PASSWORD: '', PGPASSWORD: 'pg' }).targets;
    expect(targetPassword('postgres', generic)).toBe('');
  });
});
