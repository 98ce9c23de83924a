import { describe, expect, it } from 'vitest';
import { planHeader, REPORT_COLUMN } from '../../src/enqueue/check-header.js';
import { compileSchema } from '../../src/schema/compile-schema.js';
import { projectFields } from '../../src/import-record.js';
import { createRowValidator } from '../../src/schema/row-validator.js';

const properties = { email_address: { type: 'string' }, name: { type: 'string' } };
const open = compileSchema({ type: 'object', properties, required: ['email_address'] });
const strict = compileSchema({ type: 'object', properties, required: ['email_address'], additionalProperties: false });

describe('planHeader with a schema', () => {
  it('keeps the headers that name a property (exactly, by key or by --map) and ignores the others', () => {
    const plan = planHeader(['E-mail Address', 'is_admin', 'Full name', 'role'], { schema: open, fileName: 'f.csv', map: { 'Full name': 'name' } });
    expect(plan).toEqual({ columns: ['email_address', 'name'], headers: ['E-mail Address', 'Full name'], keep: [0, 2], ignored: ['is_admin', 'role'] });
  });

  it('"additionalProperties": false refuses the extra headers, naming the file and them', () => {
    expect(() => planHeader(['email_address', 'is_admin'], { schema: strict, fileName: 'f.csv' })).toThrow(
      /^f\.csv: line 1: the schema allows no columns but its properties \("additionalProperties": false\), and the file has "is_admin" besides/,
    );
    expect(planHeader(['email_address', 'name'], { schema: strict, fileName: 'f.csv' }).ignored).toEqual([]);
  });

  it("a report's own Row, Line and Problems columns are dropped silently, even by a strict schema", () => {
    const plan = planHeader(['Row', 'Line', 'Problems', 'email_address'], { schema: strict, fileName: 'r.xlsx', ignore: REPORT_COLUMN });
    expect(plan).toMatchObject({ columns: ['email_address'], keep: [3], ignored: [] });
  });

  it('--map onto a name that is not a property is a usage error', () => {
    let error: unknown;
    try {
      planHeader(['Mail', 'Admin'], { schema: open, fileName: 'f.csv', map: { Mail: 'email_address', Admin: 'is_admin' } });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ kind: 'usage', message: 'map onto "is_admin": not a property of the schema; expected one of "email_address", "name"' });
  });

  it('a missing required column lists every header the file has, ignored ones too', () => {
    expect(() => planHeader(['name', 'is_admin'], { schema: open, fileName: 'f.csv' })).toThrow(/found "name", "is_admin"/);
  });
});

describe('planHeader without a schema', () => {
  it('keeps every header as its own column, and --map names any column', () => {
    expect(planHeader(['email', 'is_admin'], { schema: null, fileName: 'f.csv', map: { is_admin: 'admin' } })).toEqual({
      columns: ['email', 'admin'],
      headers: ['email', 'is_admin'],
      keep: null,
      ignored: [],
    });
  });
});

describe('a record of a file with ignored columns', () => {
  // Header email,is_admin,name: the import keeps fields 0 and 2.
  const kept = { keep: [0, 2], width: 3 };
  const validate = createRowValidator(['email', 'name'], null, { headerWidth: 3 });

  it('is projected onto the kept columns when its width is the header’s', () => {
    expect(projectFields(['a@x.com', '1', 'Ann'], kept)).toEqual(['a@x.com', 'Ann']);
  });

  it('fails as ragged when short or long, never padded into the wrong columns', () => {
    // "a@x.com,Ann" under email,is_admin,name: padding would save name="" and drop Ann.
    expect(validate(projectFields(['a@x.com', 'Ann'], kept))).toEqual({ ok: false, messages: ["row has fewer values than the header's 3 columns"] });
    expect(validate(projectFields(['a@x.com', '1', 'Ann', 'extra'], kept))).toEqual({ ok: false, messages: ['row has 4 values but the header has 3 columns'] });
  });
});
