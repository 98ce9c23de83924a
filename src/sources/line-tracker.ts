const LF = 10;
const CR = 13;

/**
 * Counts the lines of UTF-8 text as it streams past, so that an error found in the middle of a
 * chunk can name its line. LF, CRLF and a lone CR each end a line, as in the CSV reader.
 */
export class LineTracker {
  /** Line on which the next byte sits. */
  private line = 1;
  private endsWithCr = false;

  /** Takes in text that has been passed on. */
  advance(buf: Buffer): void {
    this.line += breaksIn(buf, buf.length, this.endsWithCr);
    if (buf.length > 0) this.endsWithCr = buf[buf.length - 1] === CR;
  }

  /** Line of the byte at `index` of `buf`, the text that follows what was advanced over. */
  lineAt(buf: Buffer, index: number): number {
    return this.line + breaksIn(buf, index, this.endsWithCr);
  }
}

/** Line breaks in buf[0, end): every LF that does not follow a CR, plus every CR. */
function breaksIn(buf: Buffer, end: number, afterCr: boolean): number {
  let breaks = 0;
  for (let i = buf.indexOf(LF); i !== -1 && i < end; i = buf.indexOf(LF, i + 1)) {
    const crBefore = i === 0 ? afterCr : buf[i - 1] === CR;
    if (!crBefore) breaks++;
  }
  for (let i = buf.indexOf(CR); i !== -1 && i < end; i = buf.indexOf(CR, i + 1)) breaks++;
  return breaks;
}
