import { closeSync, openSync, writeSync } from 'node:fs';
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** A part of an archive, deflated: the bytes to write, what they inflate to, and the size to declare. */
export interface ZipPart {
  readonly name: string;
  /** Deflated segments, written in order, each `times` over. */
  readonly segments: readonly { readonly bytes: Buffer; readonly times: number }[];
  readonly size: number;
  readonly crc: number;
  /** The inflated size written in the headers, when it is to lie. */
  readonly declaredSize?: number;
}

/** A part from its whole text. */
export function textPart(name: string, text: string | Buffer): ZipPart {
  const data = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return { name, segments: [{ bytes: deflateRawSync(data), times: 1 }], size: data.length, crc: crc32(data) };
}

/**
 * A part of `head`, `block` repeated `times`, then `tail`, deflated without holding it: each
 * piece is deflated alone and ends on a full flush, so the repeated block's deflated bytes can be
 * written again and again (a ZIP bomb's way).
 */
export function repeatedPart(name: string, head: string, block: string, times: number, tail: string): ZipPart {
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const [h, b, t] = [head, block, tail].map((s) => Buffer.from(s));
  let crc = crc32(h!);
  for (let i = 0; i < times; i++) crc = crc32(b!, crc);
  crc = crc32(t!, crc);
  return {
    name,
    segments: [
      { bytes: deflateRawSync(h!, flush), times: 1 },
      { bytes: deflateRawSync(b!, flush), times },
      { bytes: deflateRawSync(t!, flush), times: 1 },
      { bytes: deflateRawSync(Buffer.alloc(0)), times: 1 }, // the final block
    ],
    size: h!.length + b!.length * times + t!.length,
    crc,
  };
}

/** Writes a ZIP archive (deflate, no ZIP64: parts under 4 GB) of the parts, in their order. */
export function writeZip(path: string, parts: readonly ZipPart[]): number {
  const fd = openSync(path, 'w');
  let offset = 0;
  const write = (buffer: Buffer): void => {
    writeSync(fd, buffer);
    offset += buffer.length;
  };
  const central: Buffer[] = [];
  for (const part of parts) {
    const name = Buffer.from(part.name);
    const compressed = part.segments.reduce((sum, s) => sum + s.bytes.length * s.times, 0);
    const size = part.declaredSize ?? part.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names in UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(part.crc >>> 0, 14);
    local.writeUInt32LE(compressed, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const at = offset;
    write(local);
    write(name);
    for (const segment of part.segments) for (let i = 0; i < segment.times; i++) write(segment.bytes);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    local.copy(entry, 8, 6, 30); // flags .. name length: as in the local header
    entry.writeUInt16LE(0, 30); // extra
    entry.writeUInt16LE(0, 32); // comment
    entry.writeUInt32LE(at, 42);
    central.push(entry, name);
  }
  const start = offset;
  for (const buffer of central) write(buffer);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(offset - start, 12);
  end.writeUInt32LE(start, 16);
  write(end);
  closeSync(fd);
  return offset;
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const DOC_RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** The parts every workbook has around its sheets (`sheets`: names, stored as sheet1.xml, sheet2.xml, ...). */
export function workbookParts(sheets: readonly string[]): ZipPart[] {
  const overrides = sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('');
  return [
    textPart(
      '[Content_Types].xml',
      `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${overrides}<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
    ),
    textPart('_rels/.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="${DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    textPart(
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${MAIN}" xmlns:r="${DOC_RELS}"><sheets>${sheets.map((s, i) => `<sheet name="${s}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`,
    ),
    textPart(
      'xl/_rels/workbook.xml.rels',
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${RELS}">${sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${DOC_RELS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}<Relationship Id="rIdS" Type="${DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    ),
  ];
}

export function sharedStringsXml(strings: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${MAIN}" count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t>${s}</t></si>`).join('')}</sst>`;
}

export const SHEET_HEAD = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}"><sheetData>`;
export const SHEET_TAIL = '</sheetData></worksheet>';
