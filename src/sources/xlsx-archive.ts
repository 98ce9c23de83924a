import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import yauzl from 'yauzl';
import { errorMessage, inputError, optionError } from '../errors.js';
import type { WorkbookLimits } from './read-options.js';

/** Below this size an archive part is too small to matter, whatever its compression ratio. */
const RATIO_EXEMPT_BYTES = 1024 * 1024;

/**
 * A workbook's ZIP archive opened from its central directory: the sizes each part declares are
 * known (and checked against the limits) before a byte is inflated, only the parts asked for are
 * inflated, and each inflates to no more than it declared (yauzl stops a part that does).
 */
export interface XlsxArchive {
  /** Bytes of the archive file. */
  readonly fileSize: number;
  has(path: string): boolean;
  /** Declared inflated size of a part, 0 when absent. */
  inflatedSize(path: string): number;
  /**
   * The part's text, decoded from UTF-8 (string chunks, never a character split in two), after
   * checking its declared size against the limits. `maxBytes` bounds this part alone;
   * `maxRun` the characters between two tags (one value), refused as they stream in, so that
   * no parser is handed a value larger than a record may be.
   */
  text(path: string, maxBytes: number, what: string, maxRun: number, raiseWith?: string): Promise<Readable>;
  close(): void;
}

export async function openXlsxArchive(path: string, name: string, limits: WorkbookLimits): Promise<XlsxArchive> {
  let zip: yauzl.ZipFile;
  try {
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
      yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false }, (err, opened) => (err ? reject(err) : resolve(opened)));
    });
  } catch (err) {
    throw inputError(`${name}: cannot be read as an Excel workbook: it is not a valid .xlsx (ZIP) file (${errorMessage(err)})`, err);
  }
  const entries = new Map<string, yauzl.Entry>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.set(entry.fileName, entry);
        zip.readEntry();
      });
      zip.on('end', () => resolve());
      zip.on('error', reject);
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw inputError(`${name}: cannot be read as an Excel workbook: its ZIP directory is damaged (${errorMessage(err)})`, err);
  }
  let inflatedSoFar = 0;
  return {
    fileSize: zip.fileSize,
    has: (part) => entries.has(part),
    inflatedSize: (part) => entries.get(part)?.uncompressedSize ?? 0,
    async text(part, maxBytes, what, maxRun, raiseWith) {
      const entry = entries.get(part);
      if (!entry) throw inputError(`${name}: cannot be read as an Excel workbook: it has no ${part}`);
      const size = entry.uncompressedSize;
      const ratio = size / Math.max(entry.compressedSize, 1);
      if (size > RATIO_EXEMPT_BYTES && ratio > limits.maxInflateRatio) {
        throw optionError(
          (o) =>
            `${name}: refused: its ${what} (${part}) inflates ${Math.round(ratio)} times, from ${bytes(entry.compressedSize)} to ${bytes(size)}; the limit is ${limits.maxInflateRatio} times (a ZIP bomb? raise it with ${o('workbookLimits.maxInflateRatio')})`,
          'input',
        );
      }
      if (size > maxBytes) throw optionError((o) => `${name}: refused: its ${what} (${part}) inflates to ${bytes(size)}, more than the limit of ${bytes(maxBytes)}${raiseWith ? ` (raise it with ${o(raiseWith)})` : ''}`, 'input');
      inflatedSoFar += size;
      if (inflatedSoFar > limits.maxInflatedBytes) {
        throw inputError(`${name}: refused: the parts of the workbook to read inflate to ${bytes(inflatedSoFar)}, more than the limit of ${bytes(limits.maxInflatedBytes)}`);
      }
      if (entry.isEncrypted()) throw inputError(`${name}: cannot be read as an Excel workbook: its ${what} is encrypted`);
      const raw = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))));
      const decoded = new Utf8Text(name, part, maxRun);
      raw.on('error', (err) => decoded.destroy(err));
      decoded.on('close', () => raw.destroy()); // a part left part-read (a refused sheet) frees its file
      return raw.pipe(decoded);
    },
    close: () => zip.close(),
  };
}

/**
 * UTF-8 bytes to string chunks, refusing a value (the text between two tags) over `maxRun`
 * characters; with yauzl's words for a part that lies about its size in a person's.
 */
class Utf8Text extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  /** Characters since the last `<`. */
  private run = 0;
  constructor(
    private readonly fileName: string,
    private readonly part: string,
    private readonly maxRun: number,
  ) {
    super({ readableObjectMode: true });
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const text = this.decoder.write(chunk);
    // Runs within one chunk (tens of KB) cost nothing to hold: only those across chunks count.
    const firstTag = text.indexOf('<');
    const across = firstTag < 0 ? this.run + text.length : this.run + firstTag;
    this.run = firstTag < 0 ? across : text.length - text.lastIndexOf('<') - 1;
    if (across > this.maxRun) {
      done(optionError((o) => `${this.fileName}: refused: ${this.part} holds a value longer than the limit of ${this.maxRun} bytes (raise it with ${o('maxRecordSize')})`, 'input'));
      return;
    }
    if (text.length > 0) this.push(text);
    done();
  }
  override _flush(done: TransformCallback): void {
    const text = this.decoder.end();
    if (text.length > 0) this.push(text);
    done();
  }
  override destroy(err?: Error | null): this {
    if (err && /too many bytes in the stream|not enough bytes in the stream/.test(err.message)) {
      return super.destroy(inputError(`${this.fileName}: refused: ${this.part} does not inflate to the size its archive entry declares (a damaged or hostile file: ${err.message})`, err));
    }
    if (err && !(err.name === 'ImporterError')) {
      return super.destroy(inputError(`${this.fileName}: cannot be read as an Excel workbook: ${this.part}: ${err.message}`, err));
    }
    return super.destroy(err ?? undefined);
  }
}

/** A byte count for messages: 3.0 GB, 4.0 MB, 512 KB, 100 bytes. */
export function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
