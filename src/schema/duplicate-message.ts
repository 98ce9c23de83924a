/** The problem of a row whose value in a unique column an earlier row of the file already holds. */
export function duplicateMessage(column: string, firstRow: number): string {
  return `${column} repeats a value already used earlier in the file (first in row ${firstRow})`;
}
