import { firstBytes, scanCsvFile, type CsvFile, type CsvVisitor } from './csv-file.js'
import { isZip, scanXlsxFile } from './xlsx-file.js'

/**
 * An uploaded file, whatever its format: XLSX when its content is a ZIP archive (the name is not
 * looked at: a saved-as file often keeps the wrong one), CSV otherwise. Both give the header and
 * rows as text cells, so the same checks read both.
 */

export type ImportFile = CsvFile & {
  /** A `;` or tab separated file (what Excel writes where the decimal separator is a comma). */
  decimalComma: boolean
}

export async function scanImportFile(source: string | Buffer, limits: { maxRows: number }, visitor: CsvVisitor) {
  if (isZip(await firstBytes(source))) return { ...(await scanXlsxFile(source, limits, visitor)), decimalComma: false }
  const { header, rows, dialect } = await scanCsvFile(source, limits, visitor)
  return { header, rows, decimalComma: dialect.delimiter !== ',' }
}

export async function readImportFile(source: string | Buffer, limits: { maxRows: number }): Promise<ImportFile> {
  const rows: string[][] = []
  const { header, decimalComma } = await scanImportFile(source, limits, { row: (cells) => rows.push(cells) })
  return { header, rows, decimalComma }
}
