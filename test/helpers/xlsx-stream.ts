import yauzl from 'yauzl';
import { SaxesParser } from 'saxes';

/** The 0-based column of a cell reference (`C12` -> 2). */
function columnOf(ref: string): number {
  let column = 0;
  for (const ch of ref) {
    if (ch < 'A' || ch > 'Z') break;
    column = column * 26 + (ch.charCodeAt(0) - 64);
  }
  return column - 1;
}

/**
 * Reads a workbook too large to load whole: each worksheet's XML streamed through a SAX parser,
 * every row handed to `onRow` with its sheet's name, its row number and its cells' text (values
 * and inline strings; shared strings are not resolved: the importer writes none).
 * Returns the sheet names in workbook order.
 */
export async function streamWorkbookRows(path: string, onRow: (sheet: string, row: number, cells: string[]) => void): Promise<string[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, opened) => (err ? reject(err) : resolve(opened))),
  );
  try {
    const entries = new Map<string, yauzl.Entry>();
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.set(entry.fileName, entry);
        zip.readEntry();
      });
      zip.once('end', () => resolve());
      zip.once('error', reject);
      zip.readEntry();
    });
    const read = async (part: string, onText: (chunk: string) => void): Promise<void> => {
      const entry = entries.get(part);
      if (!entry) throw new Error(`${path} has no ${part}`);
      const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
      stream.setEncoding('utf8');
      for await (const chunk of stream) onText(chunk as string);
    };
    const small = async (part: string): Promise<string> => {
      let text = '';
      await read(part, (chunk) => (text += chunk));
      return text;
    };
    const targets = new Map<string, string>();
    for (const m of (await small('xl/_rels/workbook.xml.rels')).matchAll(/<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"/g)) targets.set(m[1]!, m[2]!);
    const sheets = [...(await small('xl/workbook.xml')).matchAll(/<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"/g)].map((m) => ({
      name: m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"'),
      part: `xl/${targets.get(m[2]!)!.replace(/^\/?xl\//, '')}`,
    }));
    for (const sheet of sheets) {
      const parser = new SaxesParser();
      let cells: string[] = [];
      let row = 0;
      let column = 0;
      let text: string | null = null;
      let cellText = '';
      parser.on('opentag', (tag) => {
        if (tag.name === 'row') {
          row = Number(tag.attributes['r']);
          cells = [];
        } else if (tag.name === 'c') {
          column = columnOf(String(tag.attributes['r']));
          cellText = '';
        } else if (tag.name === 'v' || tag.name === 't') text = '';
      });
      parser.on('text', (t) => {
        if (text !== null) text += t;
      });
      parser.on('closetag', (tag) => {
        if (tag.name === 'v' || tag.name === 't') {
          cellText += text ?? '';
          text = null;
        } else if (tag.name === 'c') cells[column] = cellText;
        else if (tag.name === 'row') onRow(sheet.name, row, cells);
      });
      await read(sheet.part, (chunk) => parser.write(chunk));
      parser.close();
    }
    return sheets.map((s) => s.name);
  } finally {
    zip.close();
  }
}
