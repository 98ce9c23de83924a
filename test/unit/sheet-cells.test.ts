import { describe, expect, it } from 'vitest';
import { cellReading, type CellContext } from '../../src/sources/cell-text.js';
import { columnLetters, columnNumber, readSheetRows, type SheetRow } from '../../src/sources/xlsx-sheet-rows.js';

async function rows(xml: string, chunk = 7): Promise<SheetRow[]> {
  async function* pieces(): AsyncGenerator<string> {
    for (let i = 0; i < xml.length; i += chunk) yield xml.slice(i, i + chunk);
  }
  const out: SheetRow[] = [];
  for await (const batch of readSheetRows(pieces(), 100, (row) => new Error(`row ${row} too wide`))) out.push(...batch);
  return out;
}

const context: CellContext = { sharedStrings: ['zero', { richText: [{ text: 'ri' }, { text: 'ch' }] }], isDateStyle: (s) => s === 1, date1904: false };

async function texts(cellsXml: string, ctx = context): Promise<(string | { problem: string })[]> {
  const [row] = await rows(`<worksheet><sheetData><row r="5">${cellsXml}</row></sheetData></worksheet>`);
  return row!.cells.map((cell) => {
    const reading = cellReading(cell, `${columnLetters(cell.col)}${row!.number}`, ctx);
    return reading.problem !== undefined ? { problem: reading.problem } : reading.text;
  });
}

describe('sheet cells', () => {
  it('reads each kind of cell as the person sees its value', async () => {
    expect(
      await texts(
        '<c r="A5" t="s"><v>1</v></c><c r="B5" t="b"><v>0</v></c><c r="C5" t="inlineStr"><is><r><t>Tō</t></r><r><t>kyō</t></r><rPh sb="0" eb="1"><t>とう</t></rPh></is></c>' +
          '<c r="D5" t="d"><v><![CDATA[2024-03-01]]></v></c><c r="E5" s="1"><v>45352.5</v></c><c r="F5"><v>0.1</v></c><c r="G5" t="str"><f>""</f><v></v></c><c r="H5"><f>SUM(Z1:Z9)</f><v>0</v></c><c r="I5" t="b"><f>TRUE()</f><v>1</v></c>',
      ),
    ).toEqual(['rich', 'false', 'Tōkyō', '2024-03-01', '2024-03-01T12:00:00Z', '0.1', '', '0', 'true']);
  });

  it('a formula without a saved value, an error value, a missing shared string: problems naming the cell', async () => {
    expect(await texts('<c r="C5"><f>A5*2</f></c><c r="D5"><f t="shared" si="0"/></c><c r="E5" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="F5" t="e"><v>#N/A</v></c><c r="G5" t="s"><v>9</v></c>')).toEqual([
      { problem: 'cell C5 is a formula without a saved value (=A5*2)' },
      { problem: 'cell D5 is a formula without a saved value' },
      { problem: "cell E5: its formula's saved value is the error #DIV/0!" },
      { problem: 'cell F5 holds the error #N/A' },
      { problem: 'cell G5 refers to shared string 9, which the workbook does not have' },
    ]);
  });

  it('dates of a 1904 workbook; rows and cells without r follow the ones before', async () => {
    expect(await texts('<c s="1"><v>1</v></c><c s="1"><v>0.5</v></c>', { ...context, date1904: true })).toEqual(['1904-01-02', '12:00:00']);
    const read = await rows('<worksheet><sheetData><row><c><v>1</v></c><c><v>2</v></c></row><row r="4"><c r="C4"><v>3</v></c><c><v>4</v></c></row><row/></sheetData></worksheet>');
    expect(read.map((r) => [r.number, r.cells.map((c) => c.col)])).toEqual([[1, [1, 2]], [4, [3, 4]], [5, []]]);
    await expect(rows('<worksheet><sheetData><row r="2"><c r="CW2"><v>1</v></c></row></sheetData></worksheet>')).rejects.toThrow('row 2 too wide');
    expect([columnNumber('AA10'), columnLetters(27), columnLetters(16384)]).toEqual([27, 'AA', 'XFD']);
  });
});
