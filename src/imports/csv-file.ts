import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parse, CsvError } from 'csv-parse'

/**
 * Reading an uploaded CSV file (from disk, or the bytes an import job stored): its header and
 * rows, streamed through csv-parse. Tolerant of what spreadsheet programs write — a `,`, `;` or
 * tab separator (found from the header line), Excel's `sep=;` first line, CRLF, LF and CR line
 * ends mixed, a byte order mark, rows of empty cells — and refusing, with a message a person can
 * act on, a file that cannot be a clean import: not UTF-8, binary, not valid CSV, rows of a
 * different width than the header, empty, too many rows. Lines and fields count from 1.
 */

/** The longest message an import answers with: whatever a file holds, the error stays a short answer. */
const MAX_MESSAGE_CHARS = 2000

export class ImportFileError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message)
    this.name = 'ImportFileError'
  }
}

export type CsvFile = { header: string[]; rows: string[][] }

/** How the file separates its cells, found from its first line (or said by Excel's `sep=` line). */
export type CsvDialect = { delimiter: string; sepLine: boolean }

const CANDIDATES = [',', ';', '\t']
/** Enough of the file to hold its header line. */
const SNIFF_BYTES = 64 * 1024

/** The start of the upload: enough to tell its format and its separator. */
export async function firstBytes(source: string | Buffer): Promise<Buffer> {
  if (typeof source !== 'string') return source.subarray(0, SNIFF_BYTES)
  const handle = await open(source, 'r')
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** The separator that splits the header line most often (outside quotes); a comma when none does. */
export function sniffDialect(start: string): CsvDialect {
  const text = start.replace(/^\uFEFF/, '')
  const sep = /^sep=(.)\s*(\r\n|\n|\r|$)/i.exec(text)
  if (sep) return { delimiter: sep[1], sepLine: true }
  const counts = new Map(CANDIDATES.map((candidate) => [candidate, 0]))
  let quoted = false
  for (const c of text) {
    if (c === '"') quoted = !quoted
    else if (!quoted && (c === '\n' || c === '\r')) break
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1)
  }
  const [delimiter] = [...counts].reduce((best, entry) => (entry[1] > best[1] ? entry : best))
  return { delimiter, sepLine: false }
}

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

/** The most columns a file's header may have (the client has about fifty fields). */
export const MAX_COLUMNS = 1000

/**
 * Counts the header's cells as the text streams past, before the CSV parser gets it: the parser
 * takes seconds per million cells of one record, so a header far wider than any import is refused
 * after its first MAX_COLUMNS separators instead of being parsed whole.
 */
class HeaderWidth extends Transform {
  private separators = 0
  private quoted = false
  private done = false
  private readonly separator: number
  /** Excel's `sep=` line comes before the header: its line end does not end the header. */
  private linesToSkip: number

  constructor(dialect: CsvDialect) {
    super()
    this.separator = dialect.delimiter.charCodeAt(0)
    this.linesToSkip = dialect.sepLine ? 1 : 0
  }

  _transform(chunk: Buffer | string, _encoding: BufferEncoding, next: TransformCallback) {
    // Byte by byte: the characters that matter are ASCII, never part of a longer UTF-8 sequence.
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    for (let i = 0; !this.done && i < bytes.length; i++) {
      const c = bytes[i]
      if (this.linesToSkip) {
        if (c === 0x0a || (c === 0x0d && bytes[i + 1] !== 0x0a)) this.linesToSkip--
      } else if (c === 0x22) this.quoted = !this.quoted
      else if (this.quoted) continue
      else if (c === 0x0a || c === 0x0d) this.done = true
      else if (c === this.separator && ++this.separators >= MAX_COLUMNS) {
        return next(new ImportFileError(`The header has more than ${MAX_COLUMNS.toLocaleString('en')} columns; an import takes the columns of the export (see its labels).`))
      }
    }
    next(null, chunk)
  }
}

/** Stored bytes as a stream of small chunks: the decoder never holds the whole file as one string. */
export function* slices(bytes: Buffer, size = 64 * 1024) {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size)
}

/**
 * What a pass over the file does with it: the header once, then each row as it streams past. A row
 * whose visit answers a promise holds the pass until it settles (an import checks a chunk of rows
 * against the database before reading on), so only what the visitor keeps stays in memory.
 */
export type CsvVisitor = { header?: (cells: string[]) => void; row: (cells: string[], index: number) => void | Promise<void> }

/** An error of the visitor's own (a database error, a cancel): a pass answers it as it is, not as a problem of the file. */
export class VisitorError extends Error {
  constructor(readonly reason: unknown) {
    super('the visitor of an import file failed')
  }
}

/**
 * One pass over the file, a row at a time: only what `visitor` keeps stays in memory. Answers the
 * header and the number of rows; refuses the file as readCsvFile does.
 */
export async function scanCsvFile(
  source: string | Buffer,
  { maxRows }: { maxRows: number },
  visitor: CsvVisitor,
): Promise<{ header: string[]; rows: number; dialect: CsvDialect }> {
  let header: string[] | undefined
  let rows = 0
  const dialect = sniffDialect(new TextDecoder('utf-8', { fatal: false }).decode(await firstBytes(source)))
  const parser = parse({
    bom: true,
    delimiter: dialect.delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    from_line: dialect.sepLine ? 2 : 1,
    skip_empty_lines: true,
    // A spreadsheet's trailing rows of empty cells (`;;;;`) are not rows of data.
    skip_records_with_empty_values: true,
    relax_column_count: false,
  })
  const collect = new Transform({
    objectMode: true,
    transform(record: string[], _encoding, done) {
      let visited: void | Promise<void> = undefined
      try {
        if (!header) {
          header = record
          visitor.header?.(record)
        } else {
          if (++rows > maxRows) return done(new ImportFileError(`The file has more than ${maxRows.toLocaleString('en')} rows, the most one import takes.`))
          visited = visitor.row(record, rows - 1)
        }
      } catch (error) {
        return done(error instanceof ImportFileError ? error : new VisitorError(error))
      }
      if (!visited) return done()
      visited.then(
        () => done(),
        (error) => done(error instanceof ImportFileError ? error : new VisitorError(error)),
      )
    },
  })
  try {
    await pipeline(typeof source === 'string' ? createReadStream(source) : Readable.from(slices(source)), new StrictUtf8(), new HeaderWidth(dialect), parser, collect)
  } catch (error) {
    if (error instanceof ImportFileError) throw error
    if (error instanceof VisitorError) throw error.reason
    if (error instanceof CsvError) {
      const { lines: line, index } = error as CsvError & { lines?: number; index?: number }
      if (error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
        const cells = (error as CsvError & { record?: unknown[] }).record?.length
        throw new ImportFileError(`Line ${line} has ${cells} cells, but the header has ${header?.length}: every row must have one cell per column.`)
      }
      // csv-parse counts fields from 0; people count them from 1.
      const field = typeof index === 'number' ? `, field ${index + 1}` : ''
      throw new ImportFileError(`The file is not valid CSV (line ${line}${field}): ${error.message.replace(/^Invalid [^:]*: /, '').replace(/ at line \d+/, '')}`)
    }
    throw error
  }
  if (!header || header.every((cell) => cell.trim() === '')) throw new ImportFileError('The file is empty: it needs a header row and at least one row of data.')
  if (!rows) throw new ImportFileError('The file has a header but no rows of data.')
  return { header, rows, dialect }
}

export async function readCsvFile(source: string | Buffer, { maxRows }: { maxRows: number }): Promise<CsvFile & { dialect: CsvDialect }> {
  const rows: string[][] = []
  const { header, dialect } = await scanCsvFile(source, { maxRows }, { row: (cells) => void rows.push(cells) })
  return { header, rows, dialect }
}
