// The floors the importer is compared with, each in its own process so its memory is its own.
//   node bare.mjs parse <csv>          a bare streaming csv-parse pass, counting records
//   node bare.mjs xlsx <csv> <out>     exceljs's streaming writer writing the file's rows bare
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

const [mode, file, out] = process.argv.slice(2);
const records = createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(parse({ bom: true, relax_column_count: true }));
if (mode === 'parse') {
  let n = 0;
  for await (const _ of records) n++;
  process.stdout.write(`${n - 1}\n`);
} else {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet('Rows');
  let n = 0;
  for await (const record of records) {
    sheet.addRow(record).commit();
    n++;
  }
  sheet.commit();
  await workbook.commit();
  process.stdout.write(`${n - 1}\n`);
}
