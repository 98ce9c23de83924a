// Writes a realistic CSV of people and the JSON Schema it is checked against.
// About 3% of rows are invalid (bad email, age out of range, bad date, duplicate id...).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const FIRST = ['Anna', 'Björn', 'Chloé', 'Dmitri', 'Émile', 'Fatima', 'Guo', 'Hannah', 'José', 'Kenji', 'Léa', 'Mateus', 'Nadia', 'Priya', 'Søren', 'Thảo', 'Yusuf', 'Zoë'];
const LAST = ['Andersson', 'Bernard', 'Çelik', 'Dubois', "O'Brien", 'García', 'Hoffmann', 'Ivanova', 'Kowalski', 'Müller', 'Nguyen', 'Okafor', 'Rossi', 'Smith', 'Tanaka'];
const COUNTRIES = ['FR', 'DE', 'ES', 'IT', 'PL', 'SE', 'GB', 'US', 'JP', 'VN', 'TR', 'BR'];
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua, "quoted" café'.split(' ');

export function schemaFor(columns) {
  const properties = {
    id: { type: 'integer', minimum: 1, unique: true },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    signup_date: { type: 'string', format: 'date' },
    newsletter: { type: 'boolean' },
    score: { type: 'number', minimum: 0 },
  };
  for (let c = 8; c < columns; c++) properties[`extra_${c}`] = { type: 'string', maxLength: 100000 };
  return { type: 'object', properties, required: ['id', 'name', 'email'] };
}

const quote = (v) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Streams `rows` rows of `columns` columns to `path`. `textLength` sets the extra columns' size. */
export async function generateCsv(path, { rows, columns = 8, textLength = 12, invalidRate = 0.03, seed = 7 }) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const text = (length) => {
    let out = '';
    while (out.length < length) out += (out ? ' ' : '') + pick(WORDS);
    return out.slice(0, length);
  };
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const header = Object.keys(schemaFor(columns).properties);
  let buffer = header.join(',') + '\n';
  let bytes = 0;
  for (let i = 1; i <= rows; i++) {
    const f = pick(FIRST);
    const l = pick(LAST);
    const row = [
      String(i),
      `${f} ${l}`,
      `${f}.${l}${i}@example.com`.normalize('NFD').replace(/[^A-Za-z0-9.@]/g, '').toLowerCase(),
      String(18 + Math.floor(rand() * 70)),
      pick(COUNTRIES),
      `20${10 + Math.floor(rand() * 15)}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`,
      pick(['yes', 'no', 'true', 'false', '1', '0']),
      (rand() * 1000).toFixed(2),
    ];
    for (let c = 8; c < columns; c++) row.push(text(textLength));
    if (rand() < invalidRate) {
      const k = Math.floor(rand() * 5);
      if (k === 0) row[2] = 'not-an-email';
      else if (k === 1) row[3] = String(200 + Math.floor(rand() * 100));
      else if (k === 2) row[5] = '31/12/2020';
      else if (k === 3) row[0] = String(Math.max(1, i - 1)); // duplicate id
      else row[4] = 'France';
    }
    buffer += row.map(quote).join(',') + '\n';
    if (buffer.length > 1 << 20) {
      bytes += Buffer.byteLength(buffer);
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  bytes += Buffer.byteLength(buffer);
  out.end(buffer);
  await once(out, 'finish');
  return { path, rows, columns, bytes };
}
