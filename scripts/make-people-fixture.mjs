// Writes fixtures/people.csv: a few hundred realistic people, some of them invalid on purpose.
// Deterministic (seeded), so the fixture and the tests' expectations stay stable.
import { writeFileSync } from 'node:fs';

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (list) => list[Math.floor(rand() * list.length)];
const first = ['Anna', 'Björn', 'Chloé', 'Dmitri', 'Émile', 'Fatima', 'Guo', 'Hannah', 'Ïsolde', 'José', 'Kenji', 'Léa', 'Mateus', 'Nadia', 'Oğuz', 'Priya', 'Quentin', 'Rūta', 'Søren', 'Thảo', 'Uma', 'Václav', 'Wiktoria', 'Xavier', 'Yusuf', 'Zoë'];
const last = ['Andersson', 'Bernard', 'Çelik', 'Dubois', "O'Brien", 'García', 'Hoffmann', 'Ivanova', 'Jensen', 'Kowalski', 'Lefèvre', 'Müller', 'Nguyen', 'Okafor', 'Petrović', 'Rossi', 'Smith', 'Tanaka', 'Van der Berg', 'Wójcik'];
const countries = ['FR', 'DE', 'ES', 'IT', 'PL', 'SE', 'GB', 'US', 'JP', 'VN', 'TR', 'BR'];
const notes = ['', '', '', 'prefers email', 'VIP, call first', 'moved "recently"', 'line one\nline two', 'likes café au lait'];

const quote = (v) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const rows = [['id', 'name', 'email', 'age', 'country', 'signup_date', 'newsletter', 'notes']];
for (let i = 1; i <= 300; i++) {
  const f = pick(first);
  const l = pick(last);
  const slug = `${f}.${l}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
  const row = {
    id: String(i),
    name: `${f} ${l}`,
    email: `${slug}${i}@example.com`,
    age: String(18 + Math.floor(rand() * 70)),
    country: pick(countries),
    signup_date: `202${Math.floor(rand() * 5)}-0${1 + Math.floor(rand() * 9)}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`,
    newsletter: pick(['yes', 'no', 'true', 'false', '1', '0', '']),
    notes: pick(notes),
  };
  // About one row in ten is wrong in a way people really get wrong.
  switch (i % 29) {
    case 3: row.email = `${slug}.example.com`; break;
    case 7: row.age = 'forty'; break;
    case 11: row.age = '212'; break;
    case 13: row.country = 'France'; break;
    case 17: row.name = ''; break;
    case 19: row.signup_date = '31/12/2023'; break;
    case 23: row.email = 'shared@example.com'; break;
    case 27: row.newsletter = 'maybe'; row.age = '-3'; break;
    default: break;
  }
  rows.push(Object.values(row));
}
// A ragged row and a duplicated id, as exports from old systems have.
rows.push(['301', 'Short Row', 'short@example.com']);
rows.push(['12', 'Same Id', 'same.id@example.com', '40', 'FR', '2024-01-01', 'no', '']);
writeFileSync(new URL('../fixtures/people.csv', import.meta.url), rows.map((r) => r.map(quote).join(',')).join('\n') + '\n');
