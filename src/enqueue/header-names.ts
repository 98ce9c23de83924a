/**
 * The form headers and schema properties are matched in: case, accents, spaces and punctuation
 * dropped, so "E-mail Address", "email_address" and "EmailAddress" meet.
 */
export function headerKey(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** Finds a name among others: exactly, else by its key when only one name has that key. */
export class NameIndex {
  private readonly exact: Set<string>;
  private readonly byKey = new Map<string, string[]>();

  constructor(names: Iterable<string>) {
    this.exact = new Set(names);
    for (const name of this.exact) {
      const key = headerKey(name);
      const list = this.byKey.get(key);
      if (list) list.push(name);
      else this.byKey.set(key, [name]);
    }
  }

  find(name: string): string | undefined {
    if (this.exact.has(name)) return name;
    const matches = this.byKey.get(headerKey(name));
    return matches?.length === 1 ? matches[0] : undefined;
  }

  has(name: string): boolean {
    return this.exact.has(name);
  }
}
