import { SaxesParser, type SaxesTagPlain } from 'saxes';

/** A cell as the sheet's XML has it, before it is made text (see xlsx-cell-text.ts). */
export interface SheetCell {
  /** 1-based column. */
  readonly col: number;
  /** The cell's `t`: `s` shared string, `str` formula text, `inlineStr`, `b`, `e`, `n` (or absent), `d`. */
  readonly type: string;
  /** Style index (`s`), for the number format that tells dates. */
  readonly style: number;
  /** The `<v>` text (or the inline string's), null when the cell has none. */
  readonly value: string | null;
  /** True when the cell holds a formula (`<f>`, shared and array ones included). */
  readonly formula: boolean;
  /** The formula's text, when written in this cell (a shared formula's other cells have none). */
  readonly formulaText: string;
}

export interface SheetRow {
  readonly number: number;
  readonly cells: SheetCell[];
}

/**
 * The rows of a worksheet's XML, as they stream: each cell with its type, style, saved value and
 * whether it is a formula. exceljs's streaming reader loses what matters here: a formula's saved
 * value when it is 0 or empty (its cell model drops falsy results), and the type of a formula's
 * result (an error such as #DIV/0! becomes NaN, then nothing). Rows without an `r`, and cells
 * without one, follow the one before, as Excel reads them. A cell past `maxColumns` stops the
 * reading with `tooWide(row)`.
 */
export async function* readSheetRows(xml: AsyncIterable<string>, maxColumns: number, tooWide: (row: number) => Error): AsyncGenerator<SheetRow[]> {
  const parser = new SaxesParser();
  let failure: Error | null = null;
  let rows: SheetRow[] = [];
  let row: { number: number; cells: SheetCell[] } | null = null;
  let lastRow = 0;
  let cell: { col: number; type: string; style: number; value: string | null; formula: boolean; formulaText: string } | null = null;
  let lastCol = 0;
  /** Where text goes: the cell's value, its formula, or nowhere. */
  let into: 'value' | 'formula' | null = null;
  let inInline = false;
  let inPhonetic = false;

  parser.on('error', (err) => (failure ??= err));
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    const at = tag.attributes;
    if (name === 'row') {
      const number = at['r'] ? Number.parseInt(at['r'], 10) : lastRow + 1;
      row = { number, cells: [] };
      lastRow = number;
      lastCol = 0;
    } else if (name === 'c' && row) {
      const col = at['r'] ? columnNumber(at['r']) : lastCol + 1;
      // Checked as the row streams in: a row of millions of cells is refused before it is held.
      if (col > maxColumns) failure ??= tooWide(row.number);
      lastCol = col;
      cell = { col, type: at['t'] ?? 'n', style: at['s'] ? Number.parseInt(at['s'], 10) : 0, value: null, formula: false, formulaText: '' };
    } else if (!cell) {
      return;
    } else if (name === 'f') {
      cell.formula = true;
      into = 'formula';
    } else if (name === 'v') {
      cell.value ??= '';
      into = 'value';
    } else if (name === 'is') {
      inInline = true;
      cell.value ??= '';
    } else if (name === 'rPh') {
      inPhonetic = true; // the reading aid shown above East Asian text: not the cell's value
    } else if (name === 't' && inInline && !inPhonetic) {
      into = 'value';
    }
  });
  const onText = (text: string): void => {
    if (!cell || into === null) return;
    if (into === 'value') cell.value += text;
    else cell.formulaText += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText); // some writers wrap inline strings in CDATA
  parser.on('closetag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    if (name === 'row' && row) {
      rows.push(row);
      row = null;
    } else if (name === 'c' && row && cell) {
      row.cells.push(cell);
      cell = null;
      into = null;
      inInline = false;
    } else if (name === 'f' || name === 'v' || name === 't') {
      into = null;
    } else if (name === 'rPh') {
      inPhonetic = false;
    }
  });

  for await (const chunk of xml) {
    parser.write(chunk);
    if (failure) throw failure;
    if (rows.length > 0) {
      yield rows;
      rows = [];
    }
  }
  parser.close();
  if (failure) throw failure;
  if (rows.length > 0) yield rows;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** `C5` -> 3, `AA1` -> 27. */
export function columnNumber(ref: string): number {
  let col = 0;
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i);
    if (code >= 65 && code <= 90) col = col * 26 + (code - 64);
    else if (code >= 97 && code <= 122) col = col * 26 + (code - 96);
    else break;
  }
  return col;
}

/** 3 -> `C`, 27 -> `AA`. */
export function columnLetters(col: number): string {
  let letters = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}
