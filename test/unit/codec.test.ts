import { describe, expect, it } from 'vitest';
import {
  chunkEntryId,
  chunkFromEntryId,
  chunkEntryFromText,
  decodeChunkFields,
  decodeDuplicates,
  decodeFailedRow,
  decodeSuccessEntry,
  encodeChunkFields,
  encodeDuplicates,
  encodeFailedRow,
  encodeSuccessEntry,
  isPacked,
  listElementRows,
  packedMessageGroups,
  packFailedRows,
  packedSuccessBytes,
  packSuccessEntry,
  packSuccessPayload,
  readChunkEntry,
  unpackListElement,
  unpackListElementSync,
} from '../../src/redis/codec.js';
import { deflateRawSync } from 'node:zlib';
import { countSuccessRows, decodeSuccessRows, encodeRawChunk } from '../../src/chunks/chunk-codec.js';
import { countMessageGroups } from '../../src/message-groups.js';

const sample = {
  firstRow: 41,
  lines: [42, 44, 45],
  rows: [
    ['Zoë', 'likes "quotes", commas,\nand line breaks'],
    ['李', ''],
    ['محمد', 'tab\there'],
  ],
};

const failedRow = (i: number, messages: string[]) => ({ row: sample.firstRow + i, line: sample.lines[i]!, values: sample.rows[i]!, messages });

describe('a chunk\'s stream entry', () => {
  it('numbers entries by chunk, `<chunk>-1`, and reads the chunk back from the id', () => {
    expect(chunkEntryId(0)).toBe('0-1');
    expect(chunkEntryId(123456)).toBe('123456-1');
    for (const chunk of [0, 1, 7, 99_999, 2 ** 40]) expect(chunkFromEntryId(chunkEntryId(chunk))).toBe(chunk);
  });

  it('round-trips its fields: payload `d`, incarnation `i`, repeated values `u` (left out when none)', () => {
    const duplicates = [
      { index: 1, uniqueSlot: 0, firstRow: 1 },
      { index: 4, uniqueSlot: 2, firstRow: 70_001 },
    ];
    const fields = encodeChunkFields({ payload: '[1,2,[["a"]]]', incarnation: 'abc', duplicates });
    expect(fields).toEqual(['d', '[1,2,[["a"]]]', 'i', 'abc', 'u', '1:0:1,4:2:70001']);
    expect(decodeChunkFields(fields)).toEqual({ payload: '[1,2,[["a"]]]', incarnation: 'abc', duplicates });
    expect(encodeChunkFields({ payload: 'p', incarnation: 'x', duplicates: [] })).toEqual(['d', 'p', 'i', 'x']);
  });

  it('reads an entry of a version without incarnations or repeats, fields in any order', () => {
    expect(decodeChunkFields(['d', 'p'])).toEqual({ payload: 'p', incarnation: '', duplicates: [] });
    expect(decodeChunkFields(['u', '0:0:3', 'i', 'z', 'd', 'p'])).toEqual({ payload: 'p', incarnation: 'z', duplicates: [{ index: 0, uniqueSlot: 0, firstRow: 3 }] });
  });

  it('round-trips repeated values, as enqueue-chunk.lua writes them', () => {
    expect(decodeDuplicates('')).toEqual([]);
    const written = '0:1:5,12:0:3';
    expect(encodeDuplicates(decodeDuplicates(written))).toBe(written);
  });
});

describe('success entries', () => {
  it('round-trips the failed indexes and the payload, a payload with line breaks included', () => {
    const payload = 'R,1,2,44,1,3\n1,a\n2,"b\nc"\n3,d';
    const entry = encodeSuccessEntry([0, 2], payload);
    expect(entry.startsWith('S,0,2\n')).toBe(true);
    expect(decodeSuccessEntry(entry)).toEqual({ failedIndexes: new Set([0, 2]), payload });
    expect(decodeSuccessEntry(encodeSuccessEntry([], payload))).toEqual({ failedIndexes: new Set(), payload });
    expect(() => decodeSuccessEntry('[2,3,["b"],["no"]]')).toThrow(/not an entry of the success list/);
  });
});

describe('outcome list entries', () => {
  it('round-trips a failed row, line unknown included', () => {
    for (const entry of [failedRow(0, ['a', 'b\nc']), { row: 9, line: null, values: [], messages: ['x'] }]) {
      const text = encodeFailedRow(entry);
      expect(text).not.toContain('\n');
      expect(decodeFailedRow(text)).toEqual(entry);
    }
  });

  it('packs a chunk failed rows into one element and reads every entry back as it was', async () => {
    const entries = [0, 2].map((i) => encodeFailedRow(failedRow(i, [`message ${i}`, 'with\na line break'])));
    const packed = packFailedRows(entries);
    expect(isPacked(packed)).toBe(true);
    const unpacked = await unpackListElement(packed);
    expect(unpacked).toEqual(entries);
    expect(unpacked.map(decodeFailedRow)).toEqual([
      { row: 41, line: 42, values: sample.rows[0], messages: ['message 0', 'with\na line break'] },
      { row: 43, line: 45, values: sample.rows[2], messages: ['message 2', 'with\na line break'] },
    ]);
  });

  it('stores the message groups of a chunk failed rows ahead of them, readable without the rows', async () => {
    const rows = [failedRow(0, ['email must be unique (row 3 has it)', 'age must be >= 0']), failedRow(1, ['email must be unique (row 7 has it)']), failedRow(2, ['Zoë: bad'])];
    const entries = rows.map(encodeFailedRow);
    const groups = countMessageGroups(rows.map((row) => row.messages));
    expect([...groups]).toEqual([
      ['email must be unique', 2],
      ['age must be >= 0', 1],
      ['Zoë: bad', 1],
    ]);
    const packed = packFailedRows(entries, groups);
    expect(isPacked(packed)).toBe(true);
    expect(packedMessageGroups(packed)).toEqual([...groups]);
    expect(listElementRows(packed, () => null)).toBe(3);
    expect(await unpackListElement(packed)).toEqual(entries);
    // In a larger buffer, as a Redis reply may hand it over.
    const larger = Buffer.alloc(packed.length + 4, 0x78);
    packed.copy(larger, 2);
    const inside = new Uint8Array(larger.buffer, larger.byteOffset + 2, packed.length);
    expect(packedMessageGroups(inside)).toEqual([...groups]);
    expect(await unpackListElement(Buffer.from(inside))).toEqual(entries);
    // Stored without groups (versions before them): the rows' messages say.
    expect(packedMessageGroups(packFailedRows(entries))).toBeNull();
    expect(listElementRows(packFailedRows(entries), () => null)).toBe(3);
    expect(packedMessageGroups(Buffer.from(entries[0]!))).toBeNull();
    const empty = packFailedRows([], new Map());
    expect(await unpackListElement(empty)).toEqual([]);
    expect(listElementRows(empty, () => null)).toBe(0);
  });

  it('packs a success entry and reads its rows back, the failed ones left out', async () => {
    const text = Buffer.from('Zoë,"likes ""quotes"", commas,\nand line breaks"\n李,\n"محمد","tab\there"\n');
    const payload = encodeRawChunk({ firstRow: 41, firstLine: 42, rows: 3, delimiter: ',', lineEnd: 1 }, text).toString('utf8');
    const entry = encodeSuccessEntry([1], payload);
    const packed = packSuccessEntry(entry);
    expect(packed.length).toBeLessThan(Buffer.byteLength(entry) + 12);
    const [unpacked, ...more] = await unpackListElement(packed);
    expect(more).toEqual([]);
    expect(unpacked).toBe(entry);
    expect(decodeSuccessRows(unpacked!, null)).toEqual([
      { row: 41, fields: sample.rows[0] },
      { row: 43, fields: sample.rows[2] },
    ]);
  });

  it('keeps a success entry\'s first two lines as they are, so that its rows are counted without unpacking it', async () => {
    const rows = ['a,1', 'b,2', '"c\nd",3', 'e,4'];
    const payload = encodeRawChunk({ firstRow: 7, firstLine: 8, rows: 4, delimiter: ',', lineEnd: 1 }, Buffer.from(rows.join('\n') + '\n')).toString('utf8');
    const entry = encodeSuccessEntry([0, 2], payload);
    const packed = packSuccessEntry(entry);
    expect(packed[0]).toBe(0x04);
    const head = entry.slice(0, entry.indexOf('\n', entry.indexOf('\n') + 1) + 1);
    expect(packed.subarray(5, 5 + packed.readUInt32LE(1)).toString('utf8')).toBe(head);
    expect(packedSuccessBytes(packed)!.toString('utf8')).toBe(entry);
    expect(unpackListElementSync(packed)).toEqual([entry]);
    expect(await unpackListElement(packed)).toEqual([entry]);
    expect(listElementRows(packed, countSuccessRows)).toBe(2);
    // The compressed part cut off: the count still comes from the head alone.
    expect(listElementRows(packed.subarray(0, 5 + head.length + 1), countSuccessRows)).toBe(2);
  });

  it('packs a success entry whose payload starts with a long line with that line compressed, and reads it back', async () => {
    const payload = `[1,2,${JSON.stringify(Array.from({ length: 300 }, (_, i) => [`value ${i}`]))}]`;
    const entry = encodeSuccessEntry([5], payload);
    const packed = packSuccessEntry(entry);
    expect(packed.readUInt32LE(1)).toBe('S,5\n'.length);
    expect(packed.length).toBeLessThan(Buffer.byteLength(entry) / 3);
    expect(await unpackListElement(packed)).toEqual([entry]);
    expect(listElementRows(packed, countSuccessRows)).toBe(299);
    for (const odd of ['S', 'S,1,2', 'S\n']) expect(unpackListElementSync(packSuccessEntry(odd))).toEqual([odd]);
  });

  it('packs a payload read in bytes to the same element as its text, and reads a stream entry in bytes', () => {
    const text = Buffer.from('Zoë,"a\nb, ""c"""\n李,\n"محمد",x\n');
    const payload = encodeRawChunk({ firstRow: 3, firstLine: 4, rows: 3, delimiter: ',', lineEnd: 1 }, text);
    for (const failed of [[], [0, 2], [1]]) {
      expect(packSuccessPayload(failed, payload).equals(packSuccessEntry(encodeSuccessEntry(failed, payload.toString('utf8'))))).toBe(true);
    }
    const longFirstLine = Buffer.from(`${'x'.repeat(3000)}\nmore`);
    expect(packSuccessPayload([4], longFirstLine).equals(packSuccessEntry(encodeSuccessEntry([4], longFirstLine.toString('utf8'))))).toBe(true);
    expect(packSuccessPayload([], Buffer.from('no line break')).equals(packSuccessEntry(encodeSuccessEntry([], 'no line break')))).toBe(true);

    const fields = encodeChunkFields({ payload: payload.toString('utf8'), incarnation: 'inc-1', duplicates: [{ index: 1, uniqueSlot: 0, firstRow: 2 }] }).map((f) => Buffer.from(f, 'utf8'));
    const read = readChunkEntry(Buffer.from('17-1'), fields);
    expect(read.entryId).toBe('17-1');
    expect(read.payload.equals(payload)).toBe(true);
    // The payload is not decoded as text: its field reads as ''.
    expect(decodeChunkFields(read.fields)).toEqual({ payload: '', incarnation: 'inc-1', duplicates: [{ index: 1, uniqueSlot: 0, firstRow: 2 }] });
    expect(readChunkEntry(Buffer.from('1-1'), [Buffer.from('i'), Buffer.from('x')]).payload.length).toBe(0);
    // The same entry read from its fields as text.
    const fromText = chunkEntryFromText('17-1', encodeChunkFields({ payload: payload.toString('utf8'), incarnation: 'inc-1', duplicates: [{ index: 1, uniqueSlot: 0, firstRow: 2 }] }));
    expect(fromText).toEqual(read);
  });

  it('reads success entries deflated by earlier versions (mark 1)', async () => {
    const text = Buffer.from('Zoë,"a\nb"\n李,\n');
    const entry = encodeSuccessEntry([1], encodeRawChunk({ firstRow: 3, firstLine: 4, rows: 2, delimiter: ',', lineEnd: 1 }, text).toString('utf8'));
    const old = Buffer.concat([Buffer.of(0x01), deflateRawSync(Buffer.from(entry, 'utf8'), { level: 1 })]);
    expect(isPacked(old)).toBe(true);
    expect(packedSuccessBytes(old)!.toString('utf8')).toBe(entry);
    expect(unpackListElementSync(old)).toEqual([entry]);
    expect(await unpackListElement(old)).toEqual([entry]);
    expect(listElementRows(old, countSuccessRows)).toBe(1);
  });

  it('packs a chunk of realistic rows to a fraction of its text', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `user${i}.x@example.org,José García ${i % 70},${18 + (i % 70)},FR,${i % 5 ? '' : `"likes ""quotes"", commas,\nand line breaks ${i}"`}`);
    const entry = encodeSuccessEntry([], encodeRawChunk({ firstRow: 1, firstLine: 2, rows: 2000, delimiter: ',', lineEnd: 1 }, Buffer.from(rows.join('\n') + '\n')).toString('utf8'));
    expect((packSuccessEntry(entry)).length).toBeLessThan(Buffer.byteLength(entry) * 0.35);
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
