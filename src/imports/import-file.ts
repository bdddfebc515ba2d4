import { mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import { firstBytes, scanCsvFile, sniffDialect, type CsvVisitor } from './csv-file.js'

/**
 * An uploaded file, whatever its format: XLSX when its content is a ZIP archive (the name is not
 * looked at: a saved-as file often keeps the wrong one), CSV otherwise. Both give the header and
 * rows as text cells, so the same checks read both.
 */

/** What the start of a file tells: its format, and whether its numbers may have a decimal comma. */
export type ImportFileKind = {
  xlsx: boolean
  /** A `;` or tab separated file (what Excel writes where the decimal separator is a comma). */
  decimalComma: boolean
}

/** A ZIP archive's first bytes (an XLSX file is one). */
const isZip = (start: Buffer) => start.length >= 4 && start.readUInt32LE(0) === 0x04034b50

export async function importFileKind(source: string | Buffer): Promise<ImportFileKind> {
  const start = await firstBytes(source)
  if (isZip(start)) return { xlsx: true, decimalComma: false }
  return { xlsx: false, decimalComma: sniffDialect(new TextDecoder('utf-8', { fatal: false }).decode(start)).delimiter !== ',' }
}

export async function scanImportFile(source: string | Buffer, limits: { maxRows: number }, visitor: CsvVisitor) {
  const kind = await importFileKind(source)
  // exceljs (~0.25 s of CPU to load) is loaded with the first XLSX file, not with every process.
  if (kind.xlsx) return { ...(await (await import('./xlsx-file.js')).scanXlsxFile(source, limits, visitor)), ...kind }
  const { header, rows } = await scanCsvFile(source, limits, visitor)
  return { header, rows, ...kind }
}

/** A pass over the file a chunk of rows at a time: the next chunk is read once `chunk` has settled. */
export type ChunkVisitor = {
  header?: (cells: string[]) => void
  /** `first`: the index of the chunk's first row (0 for the row under the header). */
  chunk: (rows: string[][], first: number) => Promise<void>
}

export async function scanImportFileInChunks(source: string | Buffer, limits: { maxRows: number }, size: number, visitor: ChunkVisitor) {
  let rows: string[][] = []
  let first = 0
  const flush = () => {
    const chunk = rows
    const at = first
    rows = []
    first += chunk.length
    return visitor.chunk(chunk, at)
  }
  const scanned = await scanImportFile(source, limits, {
    header: visitor.header,
    row: (cells) => {
      rows.push(cells)
      if (rows.length >= size) return flush()
    },
  })
  if (rows.length) await flush()
  return scanned
}

/**
 * Runs `work` on a file that `write` puts at the path it is given, in a folder of its own under
 * `uploadDir` (named as the upload sweep expects: removed at start if its process is gone); the
 * folder is removed after, with whatever `work` kept beside the file.
 */
export async function withFileOnDisk<T>(uploadDir: string, write: (file: string) => Promise<void>, work: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(uploadDir, `import-${process.pid}-job-`))
  try {
    const file = path.join(dir, 'upload')
    await write(file)
    return await work(file)
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined)
  }
}
