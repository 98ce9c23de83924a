import { describe, expect, it } from 'vitest';
import { copyField, copyRowsBytes, type RowOriginals } from '../../src/targets/copy-text.js';
import type { CellValue } from '../../src/schema/row-validator.js';
import { randomNumberField, seededRandom } from '../helpers/random-numbers.js';

/** copyRowsBytes's bytes, read back as text. */
const copyRowsText = (rows: readonly (readonly CellValue[])[], originals: RowOriginals, booleanColumns: readonly boolean[]): string =>
  copyRowsBytes(rows, originals, booleanColumns).toString('utf8');

/** Rows' originals as a chunk's bytes hold them: the lines one after the other, LF between; null: no plain text. */
function originals(fields: string[][], lines: (string | null)[]): RowOriginals {
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  for (const line of lines) {
    if (text !== '') text += '\n';
    const start = Buffer.byteLength(text);
    text += line ?? fields[starts.length]!.map((f) => `"${f}"`).join(',');
    starts.push(line === null ? -1 : start);
    ends.push(line === null ? -1 : Buffer.byteLength(text));
  }
  return { fields, bytes: Buffer.from(text), starts, ends };
}

describe('copyField (COPY ... FORMAT csv)', () => {
  it('leaves plain text and numbers bare, and quotes what CSV or COPY would misread', () => {
    expect(copyField(null)).toBe('');
    expect(copyField('')).toBe('""'); // bare empty would be NULL
    expect(copyField('Anna Smith')).toBe('Anna Smith');
    expect(copyField(' padded ')).toBe(' padded ');
    expect(copyField(12.5)).toBe('12.5');
    expect(copyField(true)).toBe('t');
    expect(copyField('a,b')).toBe('"a,b"');
    expect(copyField('say "hi"')).toBe('"say ""hi"""');
    expect(copyField('two\nlines')).toBe('"two\nlines"');
    expect(copyField('cr\r')).toBe('"cr\r"');
    expect(copyField('\\.')).toBe('"\\."'); // the end-of-data line, bare
  });

  it('sends a number field as it is only when it is the number\'s own text', () => {
    const random = seededRandom(5);
    let verbatim = 0;
    const edges = ['0.000001', '0.0000001', '0.00000012', '-0', '0', '-0.0', '1.10', '9007199254740993', '123456789012345', '1234567890123456', '1e21', '.5', '5.'];
    for (let i = 0; i < 50_000 + edges.length; i++) {
      const field = edges[i - 50_000] ?? randomNumberField(random, 18, 9);
      const value = Number(field);
      const line = copyRowsText([[value]], originals([[field]], [field]), [false]);
      expect(line).toBe(field === line.slice(0, -1) ? `${String(value)}\n` : `${copyField(value)}\n`);
      if (line === `${field}\n`) verbatim++;
    }
    expect(verbatim).toBeGreaterThan(10_000);
  });

  it('sends a boolean word as it is only into a boolean column, and a row without plain text built', () => {
    const row = [true, 'x'];
    expect(copyRowsText([row], originals([['yes', 'x']], ['yes,x']), [true, false])).toBe('yes,x\n');
    expect(copyRowsText([row], originals([['yes', 'x']], ['yes,x']), [false, false])).toBe('t,x\n');
    expect(copyRowsText([[true, 'x']], originals([['1', 'x']], [null]), [true, false])).toBe('t,x\n');
  });

  it('sends consecutive rows as one piece of the text, and builds the others in their place', () => {
    const rows = [[1, 'a'], [2, 'b'], [3, 'c c'], [4, 'd'], [5, ''], [6, 'f']];
    const fields = [['1', 'a'], ['2', 'b'], ['03', 'c c'], ['4', 'd'], ['5', ''], ['6', 'f']];
    const lines = ['1,a', '2,b', '03,c c', '4,d', null, '6,f'];
    const from = originals(fields, lines);
    expect(copyRowsText(rows, from, [false, false])).toBe('1,a\n2,b\n3,c c\n4,d\n5,""\n6,f\n');
    // Rows 2 and 4 only (their neighbours failed): not adjacent, two pieces.
    const some = { fields: [fields[1]!, fields[3]!], bytes: from.bytes, starts: [from.starts[1]!, from.starts[3]!], ends: [from.ends[1]!, from.ends[3]!] };
    expect(copyRowsText([rows[1]!, rows[3]!], some, [false, false])).toBe('2,b\n4,d\n');
    // Offsets are bytes: rows in several scripts, sent as they are, one piece or two.
    const names = [['1', 'Zoë'], ['2', '李小龙'], ['3', 'محمد 😀'], ['4', 'Ἀθῆναι']];
    const many = originals(names, ['1,Zoë', '2,李小龙', '3,"محمد 😀"', '4,Ἀθῆναι']);
    expect(copyRowsText(names.map(([n, t]) => [Number(n), t!]), many, [false, false])).toBe('1,Zoë\n2,李小龙\n3,"محمد 😀"\n4,Ἀθῆναι\n');
    const apart = { fields: [names[1]!, names[3]!], bytes: many.bytes, starts: [many.starts[1]!, many.starts[3]!], ends: [many.ends[1]!, many.ends[3]!] };
    expect(copyRowsText([[2, '李小龙'], [4, 'Ἀθῆναι']], apart, [false, false])).toBe('2,李小龙\n4,Ἀθῆναι\n');
    // The end-of-data line alone is never sent as it is.
    expect(copyRowsText([['\\.']], originals([['\\.']], ['\\.']), [false])).toBe('"\\."\n');
  });

  it('returns every row sent as it is, as one piece ending in a LF, where it lies in the bytes', () => {
    const fields = [['1', 'a'], ['2', 'b b'], ['3', 'c']];
    const rows = [[1, 'a'], [2, 'b b'], [3, 'c']];
    /** Whether `sent` is a view of `bytes` (a change to one shows in the other), not a copy. */
    const sharesMemory = (sent: Buffer, bytes: Buffer): boolean => {
      const at = bytes.indexOf('3');
      bytes[at] = 0x39; // '9'
      const shared = sent.includes('9,c');
      bytes[at] = 0x33;
      return shared;
    };
    // The chunk's text ends with a LF after its last row: the piece is the bytes themselves.
    const whole = originals(fields, ['1,a', '2,b b', '3,c']);
    const bytes = Buffer.concat([whole.bytes, Buffer.from('\n')]);
    const sent = copyRowsBytes(rows, { ...whole, bytes }, [false, false]);
    expect(sent.toString('utf8')).toBe('1,a\n2,b b\n3,c\n');
    expect(sharesMemory(sent, bytes)).toBe(true);
    // Rows 2 and 3 only: a piece from the middle of the bytes, still not copied.
    const tail = { fields: fields.slice(1), bytes, starts: whole.starts.slice(1), ends: whole.ends.slice(1) };
    const piece = copyRowsBytes(rows.slice(1), tail, [false, false]);
    expect(piece.toString('utf8')).toBe('2,b b\n3,c\n');
    expect(sharesMemory(piece, bytes)).toBe(true);
    // No LF after the last row (the text's end): copied, with the LF added; the bytes stay as they were.
    const copied = copyRowsBytes(rows, whole, [false, false]);
    expect(copied.toString('utf8')).toBe('1,a\n2,b b\n3,c\n');
    expect(sharesMemory(copied, whole.bytes)).toBe(false);
    expect(whole.bytes.toString('utf8')).toBe('1,a\n2,b b\n3,c');
    // A row built again among them: copied.
    const mixed = copyRowsBytes([rows[0]!, [2, 'B'], rows[2]!], { ...whole, bytes, fields: [fields[0]!, ['2', 'b b'], fields[2]!] }, [false, false]);
    expect(mixed.toString('utf8')).toBe('1,a\n2,B\n3,c\n');
    expect(sharesMemory(mixed, bytes)).toBe(false);
    // No rows: nothing to send.
    expect(copyRowsBytes([], { fields: [], bytes, starts: [], ends: [] }, []).length).toBe(0);
  });
});
