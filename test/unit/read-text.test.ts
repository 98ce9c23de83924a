import { describe, expect, it } from 'vitest';
import { checkUtf8, firstInvalidUtf8 } from '../../src/sources/check-utf8.js';
import { detectDelimiter, parseDelimiter } from '../../src/sources/csv-dialect.js';
import { readCsvBatches } from '../../src/sources/csv-records.js';
import { sniffBytes } from '../../src/sources/sniff-bytes.js';
import { parseEncoding } from '../../src/sources/text-encoding.js';
import { transcodeToUtf8 } from '../../src/sources/transcode.js';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<{ text: string; error: string | null }> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of chunks) parts.push(chunk);
    return { text: Buffer.concat(parts).toString('utf8'), error: null };
  } catch (err) {
    return { text: Buffer.concat(parts).toString('utf8'), error: (err as Error).message };
  }
}

const SAMPLE = 'id,name\n1,Zoë 😀 Ångström\r\n2,李小龍\r3,ok\n';

describe('UTF-8 check', () => {
  it('passes valid text through unchanged, whatever the chunk boundaries cut', async () => {
    const bytes = Buffer.from(SAMPLE);
    for (let size = 1; size <= 8; size++) expect(await collect(checkUtf8(chunksOf(bytes, size), 'f', 0))).toEqual({ text: SAMPLE, error: null });
  });

  it('names the line and byte offset of the first invalid sequence, after passing on the text before it', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\r\n1,2\r\n3,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    for (let size = 1; size <= 5; size++) {
      const result = await collect(checkUtf8(chunksOf(bytes, size), 'f.csv', 0));
      expect(result.error).toMatch(/^f\.csv: line 3: not valid UTF-8 \(byte 0xC3 at byte offset 12\)/);
      expect(result.text).toBe('a,b\r\n1,2\r\n3,');
    }
  });

  it('counts lines ended by LF, CRLF and CR, and knows a file cut inside a character', async () => {
    const bytes = Buffer.concat([Buffer.from('a\rb\r\nc\nd'), Buffer.from([0xe2, 0x82])]);
    expect((await collect(checkUtf8(chunksOf(bytes, 3), 'f', 0))).error).toBe('f: line 4: the file ends in the middle of a UTF-8 character (byte offset 8)');
  });

  it('refuses NUL bytes, overlong forms, surrogates and code points past U+10FFFF', async () => {
    expect((await collect(checkUtf8(chunksOf(Buffer.from('a\nb\0'), 2), 'f', 0))).error).toBe('f: line 2: a NUL byte at byte offset 3: this is binary data, not CSV text');
    expect(firstInvalidUtf8(Buffer.from([0x41, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from('Zoë 😀'))).toBe(-1);
  });

  it('skips the byte order mark but counts it in offsets', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a'), Buffer.from([0xff])]);
    const result = await collect(checkUtf8(chunksOf(bytes, 2), 'f', 3));
    expect(result.text).toBe('a');
    expect(result.error).toMatch(/byte 0xFF at byte offset 4/);
  });
});

describe('transcoding to UTF-8', () => {
  it('decodes UTF-16 LE and BE across odd chunk boundaries and split surrogate pairs', async () => {
    const le = Buffer.from(SAMPLE, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (let size = 1; size <= 7; size++) {
      expect(await collect(transcodeToUtf8(chunksOf(le, size), { kind: 'utf-16le' }, 'f', 0))).toEqual({ text: SAMPLE, error: null });
      expect(await collect(transcodeToUtf8(chunksOf(be, size), { kind: 'utf-16be' }, 'f', 0))).toEqual({ text: SAMPLE, error: null });
    }
  });

  it('names the byte offset of a lone surrogate and of a file cut in the middle of a character', async () => {
    const lone = Buffer.concat([Buffer.from('a\nb', 'utf16le'), Buffer.from([0x00, 0xdc]), Buffer.from('c', 'utf16le')]);
    for (let size = 1; size <= 5; size++) {
      const result = await collect(transcodeToUtf8(chunksOf(lone, size), { kind: 'utf-16le' }, 'f', 0));
      expect(result.error).toMatch(/^f: line 2: not valid utf-16le \(the bytes at byte offset 6 /);
    }
    const cut = Buffer.concat([Buffer.from('ab', 'utf16le'), Buffer.from([0x41])]);
    expect((await collect(transcodeToUtf8(chunksOf(cut, 2), { kind: 'utf-16le' }, 'f', 0))).error).toMatch(/ends in the middle of a UTF-16 character/);
  });

  it('decodes Windows-1252 and ISO-8859-1, and refuses bytes Windows-1252 has no character for', async () => {
    const bytes = Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x92]);
    expect((await collect(transcodeToUtf8(chunksOf(bytes, 2), parseEncoding('windows-1252') as never, 'f', 0))).text).toBe('Café €’');
    expect((await collect(transcodeToUtf8(chunksOf(Buffer.from([0xe9, 0xff]), 1), parseEncoding('latin1') as never, 'f', 0))).text).toBe('éÿ');
    const result = await collect(transcodeToUtf8(chunksOf(Buffer.from([0x61, 0x0a, 0x62, 0x8d]), 3), parseEncoding('cp1252') as never, 'f', 0));
    expect(result).toEqual({ text: 'a\nb', error: 'f: line 2: not valid cp1252 (the bytes at byte offset 3 are not a character in cp1252); is the file in another encoding?' });
  });

  it('knows encodings by their usual names', () => {
    expect(parseEncoding('UTF8')).toEqual({ kind: 'utf-8' });
    expect(parseEncoding('UTF-16')).toEqual({ kind: 'utf-16le' });
    expect(parseEncoding('Windows-1252')).toEqual({ kind: 'legacy', name: 'windows-1252' });
    expect(() => parseEncoding('ebcdic-klingon')).toThrow(/unknown encoding "ebcdic-klingon"/);
  });
});

describe('what a file is', () => {
  it('tells byte order marks, workbooks and binary files apart', () => {
    expect(sniffBytes(Buffer.alloc(0))).toEqual({ kind: 'empty' });
    expect(sniffBytes(Buffer.from('a,b\n'))).toEqual({ kind: 'text', bom: null, bomLength: 0 });
    expect(sniffBytes(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).toEqual({ kind: 'text', bom: 'utf-8', bomLength: 3 });
    expect(sniffBytes(Buffer.from([0xff, 0xfe, 0x61, 0x00]))).toEqual({ kind: 'text', bom: 'utf-16le', bomLength: 2 });
    expect(sniffBytes(Buffer.from([0xfe, 0xff, 0x00, 0x61]))).toEqual({ kind: 'text', bom: 'utf-16be', bomLength: 2 });
    expect(sniffBytes(Buffer.from('PK\x03\x04....[Content_Types].xml...xl/workbook.xml', 'latin1'))).toEqual({ kind: 'xlsx' });
    expect(sniffBytes(Buffer.from('PK\x03\x04....data.csv', 'latin1'))).toEqual({ kind: 'binary', description: 'a ZIP archive' });
    expect(sniffBytes(Buffer.from('%PDF-1.7'))).toMatchObject({ description: 'a PDF document' });
    expect(sniffBytes(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).toMatchObject({ description: expect.stringMatching(/Excel 97-2003/) });
    expect(sniffBytes(Buffer.from('a,b\n1,\0'))).toMatchObject({ kind: 'binary', description: 'binary data (a NUL byte at byte offset 6)' });
    expect(sniffBytes(Buffer.from('id,name\n1,x\n', 'utf16le'))).toMatchObject({ description: 'UTF-16 text without a byte order mark', readAs: 'utf-16le' });
    expect(sniffBytes(Buffer.from('id,name\n1,x\n', 'utf16le'), true)).toMatchObject({ kind: 'text' });
  });
});

describe('separator detection', () => {
  it('finds the separator that splits the header and the rows alike', () => {
    expect(detectDelimiter('a,b,c\n1,2,3\n', true)).toBe(',');
    expect(detectDelimiter('Name;Price;Note\nTea;1,50;"a;b"\nCake;2,75;x, y\n', true)).toBe(';');
    expect(detectDelimiter('a\tb\r\n1\t2,5\r\n', true)).toBe('\t');
    expect(detectDelimiter('a|b|c\r1|2|3\r', true)).toBe('|');
    expect(detectDelimiter('"last, first";age\n"Doe, Jane";4\n', true)).toBe(';');
    expect(detectDelimiter('only\none\n', true)).toBe(',');
    expect(detectDelimiter('id;name;email', true)).toBe(';');
  });

  it('takes comma, semicolon, tab, pipe by name or one character', () => {
    expect(parseDelimiter('tab')).toBe('\t');
    expect(parseDelimiter('\\t')).toBe('\t');
    expect(parseDelimiter('Semicolon')).toBe(';');
    expect(parseDelimiter('|')).toBe('|');
    expect(() => parseDelimiter('::')).toThrow(/one character/);
    expect(() => parseDelimiter('"')).toThrow(/one character/);
  });
});

describe('CSV records', () => {
  async function records(text: string, delimiter = ',', size = 3): Promise<unknown> {
    const out: unknown[] = [];
    try {
      for await (const batch of readCsvBatches(chunksOf(Buffer.from(text), size), { name: 'f', delimiter })) out.push(...batch.map((r) => [r.line, ...r.fields]));
    } catch (err) {
      out.push((err as Error).message);
    }
    return out;
  }

  it('numbers records by the line they start on, skipping blank and separator-only lines', async () => {
    expect(await records('a;b\r\n\r\n1;"x\r\ny"\r\n;\r\n2;""""\r\n', ';')).toEqual([
      [1, 'a', 'b'],
      [3, '1', 'x\r\ny'],
      [6, '2', '"'],
    ]);
  });

  it('returns the records before an unclosed quote, then the error with its line', async () => {
    expect(await records('a\n1\n"2\n3\n')).toEqual([[1, 'a'], [2, '1'], 'f: line 3: a quoted field opened here is never closed; the rest of the file cannot be read']);
  });
});
