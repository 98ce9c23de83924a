// The "realistic" shape of the benchmark file: what an export from a real system looks like
// rather than a friendly ASCII file. Names and notes in many scripts (accents, CJK, Cyrillic,
// Arabic, emoji), a quoted free-text column whose values hold commas, doubled quotes and line
// breaks, a unique string column (email), and ~8% invalid rows of several kinds. Seeded and
// deterministic: the same arguments give the same bytes.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const FIRST = ['Anna', 'Björn', 'Chloé', 'Dmitri', 'Émile', 'Fatima', 'Guo', 'Hannah', 'José', 'Kenji', 'Léa', 'Mateus', 'Nadia', 'Priya', 'Søren', 'Thảo', 'Yusuf', 'Zoë',
  'Дмитрий', 'Ольга', 'Анастасия', '伟', '娜', '翔太', 'さくら', '민준', 'محمد', 'فاطمة', 'Αλέξανδρος', 'Łukasz', 'Ağrı', 'Nguyễn Văn'];
const LAST = ['Andersson', 'Bernard', 'Çelik', 'Dubois', "O'Brien", 'García', 'Hoffmann', 'Ivanova', 'Kowalski', 'Müller', 'Nguyen', 'Okafor', 'Rossi', 'Smith', 'Tanaka',
  'Иванов', 'Смирнова', '王', '李', '佐藤', '김', 'العلي', 'الحسن', 'Παπαδόπουλος', 'Wiśniewski', 'Ødegård', 'de la Cruz'];
// ASCII spellings for the email's local part (an export keeps addresses ASCII even for names in other scripts).
const LOCAL = ['anna', 'bjorn', 'chloe', 'dmitri', 'emile', 'fatima', 'guo', 'hannah', 'jose', 'kenji', 'lea', 'mateus', 'nadia', 'priya', 'soren', 'thao', 'yusuf', 'zoe'];
const DOMAINS = ['example.com', 'mail.example.org', 'example.co.uk', 'beispiel.de', 'exemple.fr', 'example.jp'];
const COUNTRIES = ['FR', 'DE', 'ES', 'IT', 'PL', 'SE', 'GB', 'US', 'JP', 'VN', 'TR', 'BR', 'RU', 'CN', 'KR', 'EG', 'GR', 'NO'];
const PHRASES = ['Called back, no answer', 'prefers email, not phone', 'VIP — handle with care', 'a demandé un rappel, mardi', 'Rückruf erwünscht, bitte vormittags',
  'клиент доволен, повторный заказ', '请在周一联系', '月曜日に連絡してください', '다음 주에 연락', 'يرجى الاتصال بعد الظهر', 'said "great service", will refer friends',
  'moved to new address: 12, rue de la Paix', '🎉 loyal customer since 2015', 'payment late 👀, follow up', 'ok', 'duplicate of an older account?', 'τηλεφώνησε δύο φορές'];

/** The columns of the realistic file, in order; the PostgreSQL table mirrors them (postgres.mjs). */
export const REALISTIC_COLUMNS = ['id', 'name', 'email', 'age', 'country', 'signup_date', 'newsletter', 'score', 'notes'];

export function realisticSchema() {
  return {
    type: 'object',
    properties: {
      id: { type: 'integer', minimum: 1 },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      email: { type: 'string', format: 'email', unique: true },
      age: { type: 'integer', minimum: 0, maximum: 150 },
      country: { type: 'string', pattern: '^[A-Z]{2}$' },
      signup_date: { type: 'string', format: 'date' },
      newsletter: { type: 'boolean' },
      score: { type: 'number', minimum: 0 },
      notes: { type: 'string', maxLength: 2000 },
    },
    required: ['id', 'name', 'email'],
  };
}

const quote = (v) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** mulberry32: a small seeded generator, so the file does not depend on Math.random. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Streams `rows` rows to `path`. `invalidRate` 0 gives a file every row of which is valid (the
 * PostgreSQL case loads it with \copy too, which stops at the first bad value).
 */
export async function generateRealisticCsv(path, { rows, invalidRate = 0.08, seed = 16 }) {
  const rand = generator(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const notes = () => {
    const r = rand();
    if (r < 0.5) return '';
    if (r < 0.88) return pick(PHRASES);
    // Two or three phrases, some on separate lines: a free-text field typed into a form.
    let out = pick(PHRASES);
    out += (rand() < 0.5 ? '\n' : ', ') + pick(PHRASES);
    return out;
  };
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let buffer = REALISTIC_COLUMNS.join(',') + '\n';
  let previousEmail = 'first@example.com';
  for (let i = 1; i <= rows; i++) {
    const last = pick(LAST);
    const first = pick(FIRST);
    // "Last, First" now and then: a comma inside a quoted name.
    const name = rand() < 0.15 ? `${last}, ${first}` : `${first} ${last}`;
    const email = `${pick(LOCAL)}.${i.toString(36)}@${pick(DOMAINS)}`;
    const row = [
      String(i),
      name,
      email,
      String(18 + Math.floor(rand() * 70)),
      pick(COUNTRIES),
      `20${10 + Math.floor(rand() * 15)}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`,
      pick(['yes', 'no', 'true', 'false', '1', '0']),
      (rand() * 1000).toFixed(2),
      notes(),
    ];
    if (rand() < invalidRate) {
      const k = Math.floor(rand() * 8);
      if (k === 0) row[2] = `${pick(LOCAL)} at ${pick(DOMAINS)}`; // not an email
      else if (k === 1) row[2] = previousEmail; // repeats the previous row's email
      else if (k === 2) row[3] = String(200 + Math.floor(rand() * 100)); // age out of range
      else if (k === 3) row[5] = `${1 + Math.floor(rand() * 28)}/12/2020`; // not an ISO date
      else if (k === 4) row[4] = pick(['France', 'Deutschland', 'Россия', '日本']); // not a country code
      else if (k === 5) row[1] = ''; // required name missing
      else if (k === 6) row[7] = pick(['n/a', '12,5', '-3']); // not a number, or negative
      else row[6] = pick(['maybe', 'oui', 'да']); // not a boolean
    }
    previousEmail = row[2];
    buffer += row.map(quote).join(',') + '\n';
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return { path, rows };
}
