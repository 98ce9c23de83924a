import type { Writable } from 'node:stream';
import { contentTypesXml, coreXml, ROOT_RELS_XML, STYLES_XML, workbookRelsXml, workbookXml } from './parts.js';
import { SheetWriter, type SheetLayout } from './sheet-writer.js';
import { ZipStream } from './zip-stream.js';

/**
 * An XLSX workbook streamed into `out`: sheets one after another, each written row by row and
 * deflated as it goes, so memory stays flat whatever the number of rows. The parts that list
 * the sheets (workbook, relationships, content types) are written last, once all are known.
 */
export class XlsxWriter {
  private readonly zip: ZipStream;
  private readonly names: string[] = [];
  private current: SheetWriter | null = null;

  constructor(
    out: Writable,
    private readonly creator = 'importer',
  ) {
    this.zip = new ZipStream(out);
  }

  /** Starts the next sheet, closing the previous one. */
  async addSheet(name: string, layout: SheetLayout): Promise<SheetWriter> {
    await this.current?.close();
    this.names.push(name);
    this.current = new SheetWriter(await this.zip.entry(`xl/worksheets/sheet${this.names.length}.xml`), layout);
    return this.current;
  }

  /** Closes the last sheet, writes the workbook's other parts and ends `out`. */
  async finish(): Promise<void> {
    await this.current?.close();
    this.current = null;
    await this.zip.file('xl/styles.xml', STYLES_XML);
    await this.zip.file('xl/workbook.xml', workbookXml(this.names));
    await this.zip.file('xl/_rels/workbook.xml.rels', workbookRelsXml(this.names.length));
    await this.zip.file('docProps/core.xml', coreXml(this.creator, new Date()));
    await this.zip.file('_rels/.rels', ROOT_RELS_XML);
    await this.zip.file('[Content_Types].xml', contentTypesXml(this.names.length));
    await this.zip.finish();
  }
}
