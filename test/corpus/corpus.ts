import iconv from 'iconv-lite';
import { csvText, HEADER, ROWS } from './people.js';

/**
 * The corpus: files as people send them, each with how it is read and what must come out. The
 * files live in test/corpus/files (written by make-corpus.ts from these definitions, and checked
 * against them by the test, so neither can drift).
 */

export type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le-bom' | 'utf-16be-bom' | 'windows-1252' | 'iso-8859-1';

/** A file holding the people of people.ts: every one must import to the same rows. */
export interface PeopleFile {
  readonly file: string;
  readonly delimiter: string;
  readonly lineBreak: string;
  readonly encoding: Encoding;
  readonly header: readonly string[];
  /** Extra command line arguments it needs. */
  readonly args: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly note: string;
}

/** A file that must be refused or stop with a message (or, for some, import partly). */
export interface HostileFile {
  readonly file: string;
  readonly bytes: Buffer;
  readonly args: readonly string[];
  readonly note: string;
  readonly expect:
    | { readonly exit: 1; readonly stderr: RegExp; readonly importFailed: boolean }
    | { readonly exit: 0 | 3; readonly total: number; readonly errors: ReadonlyMap<number, string> };
}

export function encode(text: string, encoding: Encoding): Buffer {
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf-16le-bom':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf-16be-bom':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    case 'windows-1252':
    case 'iso-8859-1':
      return iconv.encode(text, encoding);
  }
}

const people = (file: Omit<PeopleFile, 'rows' | 'args' | 'header'> & Partial<PeopleFile>): PeopleFile => ({ rows: ROWS, args: [], header: HEADER, ...file });

/** Row 2 with characters only Windows-1252 has (a curly apostrophe, the euro sign). */
const ROWS_1252 = ROWS.map((row, i) => (i === 1 ? [row[0]!, 'O’Brien, Seán €', ...row.slice(2)] : row));

export const PEOPLE_FILES: readonly PeopleFile[] = [
  people({ file: 'comma-lf.csv', delimiter: ',', lineBreak: '\n', encoding: 'utf-8', note: 'comma, LF, UTF-8 without BOM' }),
  people({
    file: 'semicolon-crlf-bom.csv',
    delimiter: ';',
    lineBreak: '\r\n',
    encoding: 'utf-8-bom',
    header: ['ID', 'Name', 'Email Address', 'Age', 'Born', 'Plan', 'Active'],
    note: "Excel's \"CSV UTF-8\" in a European locale: semicolons, CRLF, a byte order mark, capitalised headers",
  }),
  people({ file: 'tab-cr.tsv', delimiter: '\t', lineBreak: '\r', encoding: 'utf-8', note: 'tabs and old Mac CR line ends' }),
  people({
    file: 'pipe-lf.txt',
    delimiter: '|',
    lineBreak: '\n',
    encoding: 'utf-8',
    header: [' ID ', 'NAME', 'e_mail_address', 'AGE', 'Born ', 'plan', 'Active'],
    note: 'pipes; headers with stray spaces, other case and punctuation',
  }),
  people({ file: 'utf16le-tab.txt', delimiter: '\t', lineBreak: '\r\n', encoding: 'utf-16le-bom', note: 'Excel\'s "Unicode text": UTF-16 LE with a BOM, tabs, CRLF' }),
  people({ file: 'utf16be-comma.csv', delimiter: ',', lineBreak: '\n', encoding: 'utf-16be-bom', note: 'UTF-16 BE with a BOM' }),
  people({
    file: 'windows-1252.csv',
    delimiter: ';',
    lineBreak: '\r\n',
    encoding: 'windows-1252',
    args: ['--encoding', 'windows-1252'],
    rows: ROWS_1252,
    note: 'Windows-1252 (curly apostrophe and euro sign), semicolons, CRLF',
  }),
  people({ file: 'iso-8859-1.csv', delimiter: ',', lineBreak: '\n', encoding: 'iso-8859-1', args: ['--encoding', 'iso-8859-1'], note: 'ISO-8859-1' }),
  people({
    file: 'comma-declared-delimiter.txt',
    delimiter: ',',
    lineBreak: '\n',
    encoding: 'utf-8',
    args: ['--delimiter', 'comma'],
    note: 'the separator given rather than detected',
  }),
];

export function peopleBytes(file: PeopleFile): Buffer {
  return encode(csvText(file.header, file.delimiter, file.lineBreak, file.rows), file.encoding);
}

/** Stands for the path of people.schema.json in `args`. */
export const SCHEMA_PLACEHOLDER = '{people.schema.json}';

const lines = (...rows: string[]): Buffer => Buffer.from(rows.join('\n') + '\n', 'utf8');

/** A 1x1 PNG, as a file renamed to .csv would hold. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * A ZIP archive holding one file, "people.csv" (stored, not compressed), as a zipped CSV renamed
 * to .csv would be.
 */
function zipOf(name: string, content: Buffer, crc32: number): Buffer {
  const nameBytes = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc32, 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc32, 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const localSize = local.length + nameBytes.length + content.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(localSize, 16);
  return Buffer.concat([local, nameBytes, content, central, nameBytes, end]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const ZIPPED = Buffer.from('id,name\n1,x\n');
const INVALID_UTF8 = Buffer.concat([Buffer.from('id,name\n1,Zoë\n2,Ren'), Buffer.from([0xe9]), Buffer.from('e\n3,Ann\n')]);

export const HOSTILE_FILES: readonly HostileFile[] = [
  {
    file: 'ragged.csv',
    bytes: lines('a,b,c', '1,2,3', '4,5', '6,7,8,9', '10,11,12'),
    args: [],
    note: 'too few and too many fields: those rows fail, the rest is imported',
    expect: {
      exit: 3,
      total: 4,
      errors: new Map([
        [2, 'row has 2 values but the header has 3 columns'],
        [3, 'row has 4 values but the header has 3 columns'],
      ]),
    },
  },
  {
    file: 'unclosed-quote.csv',
    bytes: lines('a,b', '1,x', '2,y', '3,"never closed', '4,z', '5,w'),
    args: [],
    note: 'a quote opened on line 4 runs to the end of the file',
    expect: { exit: 1, stderr: /unclosed-quote\.csv: line 4: a quoted field opened here is never closed/, importFailed: true },
  },
  {
    file: 'invalid-utf8.csv',
    bytes: INVALID_UTF8,
    args: [],
    note: 'a Latin-1 é (0xE9) in a UTF-8 file, line 3, byte offset 20',
    expect: { exit: 1, stderr: /invalid-utf8\.csv: line 3: not valid UTF-8 \(byte 0xE9 at byte offset 20\).*--encoding/, importFailed: true },
  },
  {
    file: 'invalid-utf16.csv',
    bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\n1,x\n2,', 'utf16le'), Buffer.from([0x3d, 0xd8]), Buffer.from('y\n', 'utf16le')]),
    args: [],
    note: 'half a surrogate pair in UTF-16 LE, line 3',
    expect: { exit: 1, stderr: /invalid-utf16\.csv: line 3: not valid utf-16le \(the bytes at byte offset 30 /, importFailed: true },
  },
  {
    file: 'undefined-1252.csv',
    bytes: Buffer.concat([Buffer.from('id;name\n1;x\n2;'), Buffer.from([0x81]), Buffer.from('\n')]),
    args: ['--encoding', 'windows-1252'],
    note: 'byte 0x81 has no character in Windows-1252',
    expect: { exit: 1, stderr: /undefined-1252\.csv: line 3: not valid windows-1252 \(the bytes at byte offset 14 /, importFailed: true },
  },
  {
    file: 'empty.csv',
    bytes: Buffer.alloc(0),
    args: [],
    note: 'not even a header',
    expect: { exit: 1, stderr: /empty\.csv is empty: there is no header row/, importFailed: false },
  },
  {
    file: 'bom-only.csv',
    bytes: Buffer.from([0xef, 0xbb, 0xbf, 0x0d, 0x0a]),
    args: [],
    note: 'a byte order mark and a blank line',
    expect: { exit: 1, stderr: /bom-only\.csv is empty/, importFailed: false },
  },
  {
    file: 'header-only.csv',
    bytes: lines('id,name,E-mail Address'),
    args: [],
    note: 'a header and nothing else: a complete import of zero rows',
    expect: { exit: 0, total: 0, errors: new Map() },
  },
  {
    file: 'png-renamed.csv',
    bytes: PNG,
    args: [],
    note: 'an image renamed to .csv',
    expect: { exit: 1, stderr: /png-renamed\.csv is not a CSV text file: it looks like a PNG image/, importFailed: false },
  },
  {
    file: 'zip-renamed.csv',
    bytes: zipOf('people.csv', ZIPPED, crc32(ZIPPED)),
    args: [],
    note: 'a zipped CSV renamed to .csv',
    expect: { exit: 1, stderr: /zip-renamed\.csv is not a CSV text file: it looks like a ZIP archive/, importFailed: false },
  },
  {
    file: 'nul-bytes.csv',
    bytes: Buffer.from('id,name\n1,x\n2,\0\0\0\n'),
    args: [],
    note: 'NUL bytes in a text file',
    expect: { exit: 1, stderr: /nul-bytes\.csv is not a CSV text file: it looks like binary data \(a NUL byte at byte offset 14\)/, importFailed: false },
  },
  {
    file: 'utf16-no-bom.csv',
    bytes: Buffer.from('id,name\r\n1,x\r\n', 'utf16le'),
    args: [],
    note: 'UTF-16 without a byte order mark, not declared',
    expect: { exit: 1, stderr: /utf16-no-bom\.csv is not a CSV text file: it looks like UTF-16 text without a byte order mark; read it with --encoding utf-16le/, importFailed: false },
  },
  {
    file: 'utf16-no-bom-declared.csv',
    bytes: Buffer.from('id,name\r\n1,x\r\n2,y\r\n', 'utf16le'),
    args: ['--encoding', 'utf-16le'],
    note: 'UTF-16 without a byte order mark, declared',
    expect: { exit: 0, total: 2, errors: new Map() },
  },
  {
    file: 'duplicate-after-normalising.csv',
    bytes: lines('id,name,Email Address,E-mail address', '1,Ann,a@x.io,b@x.io'),
    args: ['--schema', SCHEMA_PLACEHOLDER],
    note: 'two headers that name one schema column once case, spaces and punctuation are dropped',
    expect: {
      exit: 1,
      stderr: /line 1: headers "Email Address" \(column 3\) and "E-mail address" \(column 4\) both name column "email_address"/,
      importFailed: false,
    },
  },
];
