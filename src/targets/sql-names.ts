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
