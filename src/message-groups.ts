/**
 * The part of a failed row's message that rows are grouped by (a report's Summary, the mail,
 * `check`): the detail in parentheses a message may end with varies per row and is left out.
 */
export function groupingKey(message: string): string {
  return message.replace(/\s*\([^()]*\)$/, '');
}

/**
 * Failed rows counted by grouping key, keys in the order they first appear: a row counts once
 * under each of its messages. A worker stores these counts with each chunk's failed rows, so
 * that the report's Summary need not read every failed row.
 */
export function countMessageGroups(rowsMessages: Iterable<readonly string[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const messages of rowsMessages) {
    for (const message of messages) {
      const key = groupingKey(message);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}
