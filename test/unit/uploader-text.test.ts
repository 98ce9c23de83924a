import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/import-record.js';
import { forUploader } from '../../src/report/uploader-text.js';

const record = (source: string, target: string) => parseRecord({ id: 'x', source, target, columns: '["email"]' })!;

describe('forUploader', () => {
  it('names the file by its base name, not the server path', () => {
    const r = record('/srv/uploads/acme/people.csv', 'sqlite:/var/lib/importer.db');
    expect(forUploader(r, '/srv/uploads/acme/people.csv: line 9: unclosed quote')).toBe('people.csv: line 9: unclosed quote');
  });

  it('leaves no database URL, host or address in a failure to reach the database', () => {
    const r = record('people.csv', 'postgres://importer@db.internal.example:5432/crm');
    const message = 'database unavailable after 5 attempts: postgres://importer@db.internal.example:5432/crm: connect ECONNREFUSED 10.1.2.3:5432';
    const out = forUploader(r, message);
    expect(out).toBe('database unavailable after 5 attempts: the database: connect ECONNREFUSED the server');
    expect(forUploader(r, 'getaddrinfo ENOTFOUND db.internal.example')).toBe('getaddrinfo ENOTFOUND the database');
    const sqlite = record('people.csv', 'sqlite:/var/lib/importer/data.db');
    expect(forUploader(sqlite, 'database unavailable after 2 attempts: SQLITE_BUSY: /var/lib/importer/data.db is locked')).not.toContain('/var/lib');
  });

  it('keeps the values a row message quotes', () => {
    const r = record('people.csv', 'postgres://importer@db:5432/crm');
    const message = 'site: the value "https://db/10.0.0.1" is already in the table (unique constraint people_site_key)';
    expect(forUploader(r, message)).toBe(message);
  });
});
