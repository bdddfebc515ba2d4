import { createReadStream } from 'node:fs'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parse, CsvError } from 'csv-parse'

/**
 * Reads an uploaded CSV file (from disk, or the bytes an import job stored) into its header and rows, streamed through csv-parse, and
 * refuses a file that cannot be a clean import with a message a person can act on: not UTF-8,
 * binary, not valid CSV, rows of a different width than the header, empty, too many rows.
 */

export class ImportFileError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message)
    this.name = 'ImportFileError'
  }
}

export type CsvFile = { header: string[]; rows: string[][] }

/** Bytes → text, refusing invalid UTF-8 and NUL bytes (a binary file) as they stream past. */
class StrictUtf8 extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })
  constructor() {
    super({ decodeStrings: true, readableObjectMode: false })
  }
  private decode(chunk: Buffer | undefined, done: TransformCallback) {
    let text: string
    try {
      text = chunk ? this.decoder.decode(chunk, { stream: true }) : this.decoder.decode()
    } catch {
      return done(new ImportFileError('The file is not UTF-8 text. Save it as "CSV UTF-8" and upload it again.'))
    }
    if (text.includes('\u0000')) return done(new ImportFileError('The file is not a CSV file (it holds binary data).'))
    done(null, text)
  }
  _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.decode(chunk, done)
  }
  _flush(done: TransformCallback) {
    this.decode(undefined, done)
  }
}

/** Stored bytes as a stream of small chunks: the decoder never holds the whole file as one string. */
function* slices(bytes: Buffer, size = 64 * 1024) {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size)
}

/** What a pass over the file does with it: the header once, then each row as it streams past. */
export type CsvVisitor = { header?: (cells: string[]) => void; row: (cells: string[], index: number) => void }

/**
 * One pass over the file, a row at a time: only what `visitor` keeps stays in memory. Answers the
 * header and the number of rows; refuses the file as readCsvFile does.
 */
export async function scanCsvFile(source: string | Buffer, { maxRows }: { maxRows: number }, visitor: CsvVisitor): Promise<{ header: string[]; rows: number }> {
  let header: string[] | undefined
  let rows = 0
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: false })
  const collect = new Transform({
    objectMode: true,
    transform(record: string[], _encoding, done) {
      try {
        if (!header) {
          header = record
          visitor.header?.(record)
        } else {
          if (++rows > maxRows) return done(new ImportFileError(`The file has more than ${maxRows.toLocaleString('en')} rows, the most one import takes.`))
          visitor.row(record, rows - 1)
        }
      } catch (error) {
        return done(error as Error)
      }
      done()
    },
  })
  try {
    await pipeline(typeof source === 'string' ? createReadStream(source) : Readable.from(slices(source)), new StrictUtf8(), parser, collect)
  } catch (error) {
    if (error instanceof ImportFileError) throw error
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines
      if (error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
        const cells = (error as CsvError & { record?: unknown[] }).record?.length
        throw new ImportFileError(`Line ${line} has ${cells} cells, but the header has ${header?.length}: every row must have one cell per column.`)
      }
      throw new ImportFileError(`The file is not valid CSV (line ${line}): ${error.message.replace(/^Invalid [^:]*: /, '')}`)
    }
    throw error
  }
  if (!header || header.every((cell) => cell.trim() === '')) throw new ImportFileError('The file is empty: it needs a header row and at least one row of data.')
  if (!rows) throw new ImportFileError('The file has a header but no rows of data.')
  return { header, rows }
}

export async function readCsvFile(source: string | Buffer, { maxRows }: { maxRows: number }): Promise<CsvFile> {
  const rows: string[][] = []
  const { header } = await scanCsvFile(source, { maxRows }, { row: (cells) => rows.push(cells) })
  return { header, rows }
}
