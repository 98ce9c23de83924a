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
 * (a person types into them). A string is always a string cell (inline), never a formula, and a
 * formula-shaped one also gets the Text format so that editing it in Excel keeps it text.
 */
export function rowXml(r: number, values: readonly CellInput[], styles: readonly StyleId[] = [], textFrom = Infinity): string {
  let xml = `<row r="${r}">`;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    let style: StyleId = styles[i] ?? Style.plain;
    if (i >= textFrom || (typeof value === 'string' && isFormulaShaped(value))) style = asText(style);
    const s = style === Style.plain ? '' : ` s="${style}"`;
    const ref = (LETTERS[i] ??= columnLetters(i)) + r;
    if (value === null || value === undefined || value === '') {
      if (s !== '') xml += `<c r="${ref}"${s}/>`;
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      xml += `<c r="${ref}"${s}><v>${value}</v></c>`;
    } else if (typeof value === 'boolean') {
      xml += `<c r="${ref}"${s} t="b"><v>${value ? 1 : 0}</v></c>`;
    } else {
      const text = String(value);
      // Without it Excel drops the spaces, tabs and line breaks a value starts or ends with.
      const space = isXmlSpace(text.charCodeAt(0)) || isXmlSpace(text.charCodeAt(text.length - 1)) ? ' xml:space="preserve"' : '';
      xml += `<c r="${ref}"${s} t="inlineStr"><is><t${space}>${xmlText(text)}</t></is></c>`;
    }
  }
  return `${xml}</row>`;
}
