import { describe, expect, it } from 'vitest';
import { decodeSuccessRows, decodeChunk, encodeChunk, encodeRawChunk } from '../../src/chunks/chunk-codec.js';
import { chunkEntryFromText, encodeSuccessEntry } from '../../src/redis/codec.js';

describe('chunk encoding', () => {
  it('decodes the rows alike with or without an incarnation', () => {
    const payload = encodeChunk(1, [2], [['a']]);
    expect(decodeChunk(chunkEntryFromText('0-1', ['d', payload, 'i', 'abc']))).toEqual(decodeChunk(chunkEntryFromText('0-1', ['d', payload])));
  });

  it('round-trips a chunk with consecutive lines compactly', () => {
    const payload = encodeChunk(11, [12, 13], [['a', 'b'], ['c', 'd']]);
    expect(payload).toBe('[11,12,[["a","b"],["c","d"]]]');
    const chunk = decodeChunk(chunkEntryFromText('4-1', ['d', payload]));
    expect(chunk).toEqual({ chunk: 4, firstRow: 11, lines: [12, 13], rows: [['a', 'b'], ['c', 'd']], duplicates: [], payload: Buffer.from(payload) });
  });

  it('keeps every line when a quoted field spans lines, and decodes duplicates', () => {
    const payload = encodeChunk(1, [2, 5], [['x\ny\nz', '1'], ['q', '2']]);
    const chunk = decodeChunk(chunkEntryFromText('0-1', ['d', payload, 'u', '1:0:1,1:1:7']));
    expect(chunk.lines).toEqual([2, 5]);
    expect(chunk.duplicates).toEqual([
      { index: 1, uniqueSlot: 0, firstRow: 1 },
      { index: 1, uniqueSlot: 1, firstRow: 7 },
    ]);
  });

  it('reads a raw chunk of the file\'s text: blank lines skipped and counted, quoted line breaks counted, kept columns', () => {
    const text = Buffer.from('1,"a\r\nb",x\r\n\r\n,,\r\n2,c,y');
    const payload = encodeRawChunk({ firstRow: 5, firstLine: 9, rows: 2, delimiter: ',', lineEnd: 3 }, text).toString();
    const chunk = decodeChunk(chunkEntryFromText('2-1', ['d', payload]));
    expect(chunk.rows).toEqual([['1', 'a\r\nb', 'x'], ['2', 'c', 'y']]);
    expect(chunk.lines).toEqual([9, 13]);
    expect(chunk.firstRow).toBe(5);
    const kept = decodeChunk(chunkEntryFromText('2-1', ['d', payload]), { keep: [2, 0], width: 3 });
    expect(kept.rows).toEqual([['x', '1'], ['y', '2']]);
    expect(() => decodeChunk(chunkEntryFromText('2-1', ['d', payload.replace(',2\n', ',3\n')]))).toThrow(/reads as 2 rows instead of 3/);
  });

  it('keeps a chunk\'s payload as its success entry, without the rows that failed', () => {
    const text = Buffer.from('1,a\n2,b\n3,c');
    const payload = encodeRawChunk({ firstRow: 1, firstLine: 2, rows: 3, delimiter: ',', lineEnd: 1 }, text).toString();
    expect(decodeSuccessRows(encodeSuccessEntry([1], payload), null)).toEqual([
      { row: 1, fields: ['1', 'a'] },
      { row: 3, fields: ['3', 'c'] },
    ]);
    const json = encodeChunk(4, [5, 6], [['x'], ['y']]);
    expect(decodeSuccessRows(encodeSuccessEntry([], json), null)).toEqual([
      { row: 4, fields: ['x'] },
      { row: 5, fields: ['y'] },
    ]);
  });
});
