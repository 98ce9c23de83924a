import { once } from 'node:events';
import type { TransformOptions, Writable } from 'node:stream';
import { constants, crc32, createDeflateRaw, type DeflateRaw, type ZlibOptions } from 'node:zlib';

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END_OF_CENTRAL = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
/** Sizes and CRC follow the data (bit 3); names are UTF-8 (bit 11). */
const FLAGS = 0x0008 | 0x0800;
const DEFLATE = 8;
const VERSION = 20;
const VERSION_ZIP64 = 45;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
/**
 * Text the deflater may hold before a writer waits: with less than a few flushes of slack the
 * writer would wait for every flush to be deflated, and the two cores would take turns.
 */
const DEFLATE_AHEAD = 1024 * 1024;
const DEFLATE_CHUNK = 64 * 1024;

/** zlib's streams take the stream options too (their types do not say so). */
function deflateOptions(level: number): ZlibOptions {
  const options: ZlibOptions & TransformOptions = { level, chunkSize: DEFLATE_CHUNK, writableHighWaterMark: DEFLATE_AHEAD };
  return options;
}

interface Written {
  readonly name: Buffer;
  readonly offset: number;
  readonly crc: number;
  readonly compressed: number;
  readonly size: number;
}

/** MS-DOS date and time, as the zip headers hold them. */
function dosDateTime(date: Date): { time: number; date: number } {
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((Math.max(1980, date.getFullYear()) - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

/**
 * A zip archive written front to back into a stream, one deflated entry at a time, never held
 * in memory: each entry's sizes and CRC follow its data (data descriptors), and parts or offsets
 * past 4 GB get ZIP64 fields. Deflating runs in zlib's async streams, i.e. in libuv's thread
 * pool, so it uses another core while the caller produces the next bytes. Backpressure holds
 * end to end: `ZipEntry.write` waits while the deflater is full, and the deflater pauses while
 * `out` is (a file, or an S3 upload's body).
 */
export class ZipStream {
  private offset = 0;
  private readonly entries: Written[] = [];
  private open: ZipEntry | null = null;
  private readonly stamp = dosDateTime(new Date());

  constructor(
    private readonly out: Writable,
    // The fastest level: the sheets' XML is repetitive enough that it still shrinks ~8x (level 6
    // gains ~15% more at twice the time, and deflating is what a large report waits for).
    private readonly level = constants.Z_BEST_SPEED,
  ) {}

  /** Starts the next entry; the previous one must have been ended. */
  async entry(name: string): Promise<ZipEntry> {
    if (this.open) throw new Error(`zip entry ${this.open.name} is still open`);
    const nameBytes = Buffer.from(name, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    header.writeUInt16LE(VERSION, 4);
    header.writeUInt16LE(FLAGS, 6);
    header.writeUInt16LE(DEFLATE, 8);
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    // CRC and sizes (14..25) stay zero: the data descriptor carries them.
    header.writeUInt16LE(nameBytes.length, 26);
    const offset = this.offset;
    await this.write(Buffer.concat([header, nameBytes]));
    const entry = new ZipEntry(name, createDeflateRaw(deflateOptions(this.level)), this.out, (bytes) => (this.offset += bytes), async (crc, compressed, size) => {
      this.open = null;
      const zip64 = compressed > MAX32 || size > MAX32;
      const descriptor = Buffer.alloc(zip64 ? 24 : 16);
      descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
      descriptor.writeUInt32LE(crc, 4);
      if (zip64) {
        descriptor.writeBigUInt64LE(BigInt(compressed), 8);
        descriptor.writeBigUInt64LE(BigInt(size), 16);
      } else {
        descriptor.writeUInt32LE(compressed, 8);
        descriptor.writeUInt32LE(size, 12);
      }
      await this.write(descriptor);
      this.entries.push({ name: nameBytes, offset, crc, compressed, size });
    });
    this.open = entry;
    return entry;
  }

  /** A small entry written whole. */
  async file(name: string, text: string): Promise<void> {
    const entry = await this.entry(name);
    await entry.write(text);
    await entry.end();
  }

  /** Writes the central directory and ends `out`; resolves once `out` has finished. */
  async finish(): Promise<void> {
    if (this.open) throw new Error(`zip entry ${this.open.name} is still open`);
    const start = this.offset;
    for (const entry of this.entries) await this.write(this.centralHeader(entry));
    const size = this.offset - start;
    const count = this.entries.length;
    if (start > MAX32 || size > MAX32 || count > MAX16) await this.write(this.zip64End(start, size, count));
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL, 0);
    end.writeUInt16LE(Math.min(count, MAX16), 8);
    end.writeUInt16LE(Math.min(count, MAX16), 10);
    end.writeUInt32LE(Math.min(size, MAX32), 12);
    end.writeUInt32LE(Math.min(start, MAX32), 16);
    await this.write(end);
    const finished = once(this.out, 'finish');
    this.out.end();
    await finished;
  }

  private centralHeader(entry: Written): Buffer {
    const big = [entry.size > MAX32 ? entry.size : null, entry.compressed > MAX32 ? entry.compressed : null, entry.offset > MAX32 ? entry.offset : null].filter((v): v is number => v !== null);
    const extra = Buffer.alloc(big.length > 0 ? 4 + 8 * big.length : 0);
    if (big.length > 0) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(8 * big.length, 2);
      big.forEach((value, i) => extra.writeBigUInt64LE(BigInt(value), 4 + 8 * i));
    }
    const header = Buffer.alloc(46);
    header.writeUInt32LE(CENTRAL_HEADER, 0);
    header.writeUInt16LE(big.length > 0 ? VERSION_ZIP64 : VERSION, 4);
    header.writeUInt16LE(big.length > 0 ? VERSION_ZIP64 : VERSION, 6);
    header.writeUInt16LE(FLAGS, 8);
    header.writeUInt16LE(DEFLATE, 10);
    header.writeUInt16LE(this.stamp.time, 12);
    header.writeUInt16LE(this.stamp.date, 14);
    header.writeUInt32LE(entry.crc, 16);
    header.writeUInt32LE(Math.min(entry.compressed, MAX32), 20);
    header.writeUInt32LE(Math.min(entry.size, MAX32), 24);
    header.writeUInt16LE(entry.name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(Math.min(entry.offset, MAX32), 42);
    return Buffer.concat([header, entry.name, extra]);
  }

  private zip64End(start: number, size: number, count: number): Buffer {
    const record = Buffer.alloc(56 + 20);
    record.writeUInt32LE(ZIP64_END_OF_CENTRAL, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(VERSION_ZIP64, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(size), 40);
    record.writeBigUInt64LE(BigInt(start), 48);
    // The locator points back at the record just above it.
    record.writeUInt32LE(ZIP64_LOCATOR, 56);
    record.writeBigUInt64LE(BigInt(this.offset), 64);
    record.writeUInt32LE(1, 72);
    return record;
  }

  private async write(bytes: Buffer): Promise<void> {
    this.offset += bytes.length;
    if (!this.out.write(bytes)) await once(this.out, 'drain');
  }
}

/** One entry of a ZipStream, deflated as it is written. */
export class ZipEntry {
  private crc = 0;
  private size = 0;
  private compressed = 0;

  constructor(
    readonly name: string,
    private readonly deflate: DeflateRaw,
    out: Writable,
    advance: (bytes: number) => void,
    private readonly close: (crc: number, compressed: number, size: number) => Promise<void>,
  ) {
    deflate.on('data', (chunk: Buffer) => {
      this.compressed += chunk.length;
      advance(chunk.length);
      if (!out.write(chunk)) {
        deflate.pause();
        out.once('drain', () => deflate.resume());
      }
    });
  }

  /**
   * Returns a promise only when the deflater is full: await it then. `consumed` is called once
   * the deflater no longer needs `data`, so that its buffer can be used again.
   */
  write(data: Buffer | string, consumed?: () => void): Promise<void> | undefined {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length === 0) {
      consumed?.();
      return undefined;
    }
    this.crc = crc32(bytes, this.crc);
    this.size += bytes.length;
    if (this.deflate.write(bytes, consumed && (() => consumed()))) return undefined;
    return once(this.deflate, 'drain').then(() => undefined);
  }

  async end(): Promise<void> {
    const ended = once(this.deflate, 'end');
    this.deflate.end();
    await ended;
    await this.close(this.crc, this.compressed, this.size);
  }
}
