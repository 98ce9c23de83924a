import type { ConflictPolicy } from './target.js';

/** Identifier quoting for each SQL dialect: header names are data, never SQL. */
export function quotePg(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteMysql(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** `sales.people` -> schema `sales`, table `people`; a bare name has no schema. */
export function splitTableName(table: string): { schema: string | null; name: string } {
  const dot = table.indexOf('.');
  if (dot < 0) return { schema: null, name: table };
  return { schema: table.slice(0, dot), name: table.slice(dot + 1) };
}

export function qualified(table: string, quote: (name: string) => string): string {
  const { schema, name } = splitTableName(table);
  return schema ? `${quote(schema)}.${quote(name)}` : quote(name);
}

/**
 * The upsert clause of PostgreSQL and SQLite (same syntax): `ON CONFLICT (key) DO NOTHING`, or
 * `DO UPDATE SET` every other column from EXCLUDED. Empty without a policy.
 */
export function onConflictClause(columns: readonly string[], policy: ConflictPolicy | null): string {
  if (!policy) return '';
  const target = `(${policy.columns.map(quotePg).join(', ')})`;
  const updates = columns.filter((c) => !policy.columns.includes(c));
  if (policy.action === 'ignore' || updates.length === 0) return ` ON CONFLICT ${target} DO NOTHING`;
  return ` ON CONFLICT ${target} DO UPDATE SET ${updates.map((c) => `${quotePg(c)} = EXCLUDED.${quotePg(c)}`).join(', ')}`;
}
