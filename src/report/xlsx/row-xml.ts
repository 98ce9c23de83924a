import { isFormulaShaped, type CellInput } from '../cells.js';
import { Style, type StyleId } from './parts.js';
import { columnLetters, xmlText } from './xml-text.js';

/** Space, tab, line feed, carriage return: what XML counts as white space. */
export function isXmlSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** The same look with Excel's "@" (Text) format. */
function asText(style: StyleId): StyleId {
  if (style === Style.plain) return Style.text;
  if (style === Style.bold) return Style.boldText;
  return style;
}

/** Column letters by index, computed once per column: a row's cells all need theirs. */
const LETTERS: string[] = [];

/**
 * One `<row>` of SpreadsheetML, row number `r`. `styles` gives each column's look (plain when
 * absent); columns from `textFrom` on get the Text format whatever they hold, empty ones included
 * (a person types into them).
 */
export function rowXml(r: number, values: readonly CellInput[], styles: readonly StyleId[] = [], textFrom = Infinity): string {
  let xml = `<row r="${r}">`;
  for (let i = 0; i < values.length; i++) xml += cellXml((LETTERS[i] ??= columnLetters(i)) + r, values[i], styles[i] ?? Style.plain, i >= textFrom);
  return `${xml}</row>`;
}

/**
 * One cell, `ref` (such as `C12`), in `style`, with the Text format too when `asText`. A string is
 * always a string cell (inline), never a formula, and a formula-shaped one also gets the Text
 * format so that editing it in Excel keeps it text. An empty cell is written only for its format.
 */
export function cellXml(ref: string, value: CellInput | undefined, style: StyleId, asTextFormat: boolean): string {
  if (asTextFormat || (typeof value === 'string' && isFormulaShaped(value))) style = asText(style);
  const s = style === Style.plain ? '' : ` s="${style}"`;
  if (value === null || value === undefined || value === '') return s === '' ? '' : `<c r="${ref}"${s}/>`;
  if (typeof value === 'number' && Number.isFinite(value)) return `<c r="${ref}"${s}><v>${value}</v></c>`;
  if (typeof value === 'boolean') return `<c r="${ref}"${s} t="b"><v>${value ? 1 : 0}</v></c>`;
  const text = String(value);
  // A string in <v> (`t="str"`, no formula), shorter than an inline string; text that starts or
  // ends with spaces, tabs or line breaks stays inline with xml:space, without which Excel drops them.
  if (isXmlSpace(text.charCodeAt(0)) || isXmlSpace(text.charCodeAt(text.length - 1))) return `<c r="${ref}"${s} t="inlineStr"><is><t xml:space="preserve">${xmlText(text)}</t></is></c>`;
  return `<c r="${ref}"${s} t="str"><v>${xmlText(text)}</v></c>`;
}
