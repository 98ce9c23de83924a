import { describe, expect, it } from 'vitest';
import { decodeSucceeded, encodeFailedRow, encodeSucceeded, isPacked, packFailedRows, packSucceeded, parseFailedRow, unpackListElement } from '../../src/tasks/outcome-entries.js';
import { encodeRawChunk } from '../../src/tasks/task-codec.js';

const task = {
  firstRow: 41,
  lines: [42, 44, 45],
  rows: [
    ['Zoë', 'likes "quotes", commas,\nand line breaks'],
    ['李', ''],
    ['محمد', 'tab\there'],
  ],
};

describe('outcome list entries', () => {
  it('packs a chunk failed rows into one element and reads every entry back as it was', async () => {
    const entries = [0, 2].map((i) => encodeFailedRow(task, i, [`message ${i}`, 'with\na line break']));
    const packed = packFailedRows(entries);
    expect(isPacked(packed)).toBe(true);
    const unpacked = await unpackListElement(packed);
    expect(unpacked).toEqual(entries);
    expect(unpacked.map(parseFailedRow)).toEqual([
      { row: 41, line: 42, values: task.rows[0], messages: ['message 0', 'with\na line break'] },
      { row: 43, line: 45, values: task.rows[2], messages: ['message 2', 'with\na line break'] },
    ]);
  });

  it('packs a success entry and reads its rows back, the failed ones left out', async () => {
    const text = Buffer.from('Zoë,"likes ""quotes"", commas,\nand line breaks"\n李,\n"محمد","tab\there"\n');
    const payload = encodeRawChunk({ firstRow: 41, firstLine: 42, rows: 3, delimiter: ',', lineEnd: 1 }, text).toString('utf8');
    const entry = encodeSucceeded(payload, [1]);
    const packed = packSucceeded(entry);
    expect(packed.length).toBeLessThan(Buffer.byteLength(entry) + 8);
    const [unpacked, ...more] = await unpackListElement(packed);
    expect(more).toEqual([]);
    expect(unpacked).toBe(entry);
    expect(decodeSucceeded(unpacked!, null)).toEqual([
      { row: 41, fields: task.rows[0] },
      { row: 43, fields: task.rows[2] },
    ]);
  });

  it('deflates a chunk of realistic rows to a fraction of its text', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `user${i}.x@example.org,José García ${i % 70},${18 + (i % 70)},FR,${i % 5 ? '' : `"likes ""quotes"", commas,\nand line breaks ${i}"`}`);
    const entry = encodeSucceeded(encodeRawChunk({ firstRow: 1, firstLine: 2, rows: 2000, delimiter: ',', lineEnd: 1 }, Buffer.from(rows.join('\n') + '\n')).toString('utf8'), []);
    expect((packSucceeded(entry)).length).toBeLessThan(Buffer.byteLength(entry) * 0.35);
  });

  it('reads elements stored as text by earlier versions as they are', async () => {
    const success = 'S,1\n[1,2,[["a"],["b"]]]';
    const failed = '[2,3,["b"],["no"]]';
    for (const element of [success, failed]) {
      expect(isPacked(Buffer.from(element))).toBe(false);
      expect(await unpackListElement(Buffer.from(element))).toEqual([element]);
    }
    expect(await unpackListElement(packFailedRows([]))).toEqual([]);
  });
});
