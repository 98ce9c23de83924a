import { describe, expect, it } from 'vitest';
import { redactText, redactUrl, splitUrlSecrets } from '../../src/redact.js';
import { parseTarget } from '../../src/targets/target-url.js';

const SECRET = 'Zq9-sEcReT';

/** [given, redacted, password the driver would use (null: none)] */
const CASES: [string, string, string | null][] = [
  [`postgres://ann:${SECRET}@db.example.com:5432/crm`, 'postgres://ann@db.example.com:5432/crm', SECRET],
  [`postgres://ann:${encodeURIComponent(`${SECRET}/@#:?`)}@db:5432/crm`, 'postgres://ann@db:5432/crm', `${SECRET}/@#:?`],
  [`postgres://ann:${SECRET}/x@db:5432/crm`, 'postgres://ann@db:5432/crm', `${SECRET}/x`],
  [`postgres://ann:${SECRET}@x@db:5432/crm`, 'postgres://ann@db:5432/crm', `${SECRET}@x`],
  [`postgres://ann:${SECRET}#x@db:5432/crm`, 'postgres://ann@db:5432/crm', `${SECRET}#x`],
  [`postgres://ann:12#${SECRET}@db:5432/crm`, 'postgres://ann@db:5432/crm', `12#${SECRET}`],
  [`postgres://ann:a:${SECRET}@db/crm`, 'postgres://ann@db/crm', `a:${SECRET}`],
  [`postgres://ann:${SECRET}?x@db/crm?sslmode=require`, 'postgres://ann@db/crm?sslmode=require', `${SECRET}?x`],
  [`postgres://:${SECRET}@db/crm`, 'postgres://db/crm', SECRET],
  [`postgres://ann:@db/crm`, 'postgres://ann@db/crm', null],
  [`postgres://ann@db/crm?password=${SECRET}`, 'postgres://ann@db/crm', SECRET],
  [`postgres://ann@db/crm?sslmode=require&PassWord=${SECRET}&application_name=x`, 'postgres://ann@db/crm?sslmode=require&application_name=x', SECRET],
  [`postgres://ann@db/crm?password=${encodeURIComponent(`${SECRET}&#@/`)}`, 'postgres://ann@db/crm', `${SECRET}&#@/`],
  [`postgres://ann@db/crm?password=${SECRET}#tail`, 'postgres://ann@db/crm', SECRET],
  [`postgres://ann@db/crm?sslpassword=${SECRET}&sslmode=verify-full`, 'postgres://ann@db/crm?sslmode=verify-full', null],
  [`postgres://ann@db/crm?pass%77ord=${SECRET}`, 'postgres://ann@db/crm', SECRET],
  [`mysql://root:${SECRET}@127.0.0.1:3306/test`, 'mysql://root@127.0.0.1:3306/test', SECRET],
  [`mariadb://root@h/test?pwd=${SECRET}&token=${SECRET}`, 'mariadb://root@h/test', null],
  [`redis://:${SECRET}@127.0.0.1:6379/0`, 'redis://127.0.0.1:6379/0', SECRET],
  [`rediss://default:${SECRET}@cache:6380`, 'rediss://default@cache:6380', SECRET],
  [`redis+cluster://app:${SECRET}@h1:7000,h2:7001`, 'redis+cluster://app@h1:7000,h2:7001', SECRET],
  [`smtp://mailer:${SECRET}@smtp.example.com:587?pool=true`, 'smtp://mailer@smtp.example.com:587?pool=true', SECRET],
  [`smtps://mailer:${SECRET}/@#x@smtp.example.com:465`, 'smtps://mailer@smtp.example.com:465', `${SECRET}/@#x`],
  [`https://AKIA:${SECRET}@minio.local:9000`, 'https://AKIA@minio.local:9000', SECRET],
  ['postgres://ann@db:5432/crm', 'postgres://ann@db:5432/crm', null],
  ['postgres://db:5432/crm?application_name=me@work', 'postgres://db:5432/crm?application_name=me@work', null],
  [`postgres://db:5432/crm?application_name=me@work&password=${SECRET}`, 'postgres://db:5432/crm?application_name=me@work', SECRET],
  ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379', null],
  ['sqlite:/var/lib/importer.db', 'sqlite:/var/lib/importer.db', null],
];

describe('redactUrl', () => {
  it.each(CASES)('%s', (given, redacted, password) => {
    expect(redactUrl(given)).toBe(redacted);
    expect(redactUrl(given)).not.toContain(SECRET);
    expect(splitUrlSecrets(given).password).toBe(password);
  });

  it('redacts key=value connection strings too', () => {
    expect(redactUrl(`host=db user=ann password=${SECRET} sslmode=require`)).toBe('host=db user=ann password=*** sslmode=require');
    expect(redactUrl(`Server=db;Password='${SECRET} x';Database=crm`)).toBe('Server=db;Password=***;Database=crm');
  });

  it('redacts every URL inside a message', () => {
    const message = `cannot reach postgres://ann:${SECRET}@db/crm: refused; also redis://:${SECRET}@r:6379 and smtp://m:${SECRET}@s`;
    const out = redactText(message);
    expect(out).not.toContain(SECRET);
    expect(out).toBe('cannot reach postgres://ann@db/crm: refused; also redis://r:6379 and smtp://m@s');
  });
});

describe('parseTarget', () => {
  it.each(CASES.filter(([given]) => /^(postgres|mysql|mariadb):/.test(given)))('stores %s without its secrets', (given, redacted, password) => {
    const target = parseTarget(given);
    expect(target.url).not.toContain(SECRET);
    expect(target.url).toBe(redacted);
    expect(target.password).toBe(password);
    expect(target.secretDropped).toBe(given !== redacted);
  });

  it('names an unsupported target without its password', () => {
    expect(() => parseTarget(`oracle://ann:${SECRET}/x@db/crm`)).toThrow(/unsupported target "oracle:\/\/ann@db\/crm"/);
    expect(() => parseTarget(`host=db password=${SECRET}`)).toThrow(/unsupported target "host=db password=\*\*\*"/);
  });
});
