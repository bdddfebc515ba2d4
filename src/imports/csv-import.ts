import { randomUUID } from 'node:crypto'
import path from 'node:path'
import type { CurrentAdmin } from 'adminjs'
import type { Transaction } from 'sequelize'
import { hashPassword } from '../auth/password-hashing.js'
import { rowChecker } from './import-check.js'
import { columnOf, columnsOf, keyIn, keyLabel, NewRows, RepeatedKeys, versionColumnIn } from './import-columns.js'
import { importFileKind, scanImportFileInChunks } from './import-file.js'
import { nameReferencedRecords, referenceResolver, referenceScope } from './import-lookups.js'
import type { ImportOptions, ImportRun } from './import-options.js'
import { ReportBuilder, ReportRowsInMemory, ReportRowsOnDisk, type Checked, type FinishedReport, type ImportProgress } from './import-report.js'
import { rowWriter } from './import-write.js'

/**
 * An import: a file (CSV or XLSX, as the export writes it or a spreadsheet saved it) checked row
 * by row with the model's own rules, then, when every row passes, written all at once in one
 * transaction, recorded in the change history as one operation "import:<uuid>" of the importing
 * user. Rows match stored records by the registry entry's import key (a client's login; a sender
 * name's client and name), case-insensitively (import-key.ts).
 *
 * The file is never held whole: each pass over it reads, matches, checks (and in the apply's
 * transaction writes) a chunk of CHUNK_ROWS rows, and keeps only the report's rows as text and
 * each key once (a key repeated anywhere in the file refuses it). The work is split by
 * responsibility: reading (import-file.ts: csv-file.ts, xlsx-file.ts, and import-cells.ts for a
 * cell's meaning), matching (import-columns.ts for the header, import-lookups.ts for stored
 * records), checking (import-check.ts), writing (import-write.ts) and reporting
 * (import-report.ts). This file runs them in order.
 */

export type { ImportAction, ImportProgress, ImportReport, ImportRow, FinishedReport } from './import-report.js'
export type { ImportOptions, ImportRun } from './import-options.js'
export { inspectSource } from './import-columns.js'

/** Rows read, checked and written together: their stored records are one or two lookups, their writes a statement or two. */
const CHUNK_ROWS = 2000

class NothingSaved extends Error {
  constructor(readonly report: FinishedReport) {
    super('a rule refused at least one row')
  }
}
/** Stops the pass before the hashing when the file has no password column: there is nothing to hash. */
class NoPasswordColumn extends Error {}

type Pass = {
  transaction?: Transaction
  /** Once the header is known: throw to stop the pass there. */
  onHeader?: (columns: ReturnType<typeof columnsOf>['columns']) => void
  /** Each chunk once checked (and its report's references named); `failed`: whether any row so far is an error. */
  onChunk?: (checked: Checked[], failed: boolean) => Promise<void>
  phase: ImportProgress['phase']
}

export async function runImport(
  source: string | Buffer,
  currentAdmin: CurrentAdmin,
  dryRun: boolean,
  options: ImportOptions,
  run: ImportRun & { maxRows: number; total?: number } = { maxRows: Infinity },
): Promise<FinishedReport> {
  const { resource, definition, keyFields } = options
  const sequelize = options.model.sequelize!
  const { signal } = run
  const kind = await importFileKind(source)
  const scope = referenceScope(currentAdmin, options)
  const progress = (phase: ImportProgress['phase'], done: number, total = run.total ?? done) => run.onProgress?.({ phase, done, total })
  let passes = 0

  /** One pass over the file, a chunk at a time; answers its report. */
  async function pass({ transaction, onHeader, onChunk, phase }: Pass) {
    let keyColumns: number[] = []
    let check: ReturnType<typeof rowChecker> | undefined
    let resolve: ReturnType<typeof referenceResolver> | undefined
    let columns: ReturnType<typeof columnsOf>['columns'] = []
    let report: ReportBuilder | undefined
    let done = 0
    const repeated = new RepeatedKeys(keyLabel(options))
    const newRows = new NewRows()
    const reportRows = run.reportFolder ? new ReportRowsOnDisk(path.join(run.reportFolder, `report-${++passes}.json`)) : new ReportRowsInMemory()
    await scanImportFileInChunks(source, { maxRows: run.maxRows }, CHUNK_ROWS, {
      header: (header) => {
        ;({ columns, keyColumns } = columnsOf(header, options))
        const versionColumn = versionColumnIn(header, definition)
        report = new ReportBuilder(dryRun, definition, keyFields, definition.versionField ? { compared: versionColumn !== undefined } : undefined, reportRows)
        onHeader?.(columns)
        check = rowChecker({ columns, versionColumn, decimalComma: kind.decimalComma }, currentAdmin, options)
        resolve = referenceResolver(columns, sequelize, scope)
      },
      chunk: async (rows, first) => {
        signal?.throwIfAborted()
        const keys = rows.map((cells) => keyIn(cells, keyColumns))
        repeated.add(keys, first)
        const references = await resolve!(rows, transaction)
        const checked = await check!(rows, keys, first, references, transaction, signal)
        await nameReferencedRecords(checked, columns, sequelize, transaction)
        newRows.add(checked)
        await report!.add(checked)
        await onChunk?.(checked, report!.failed > 0)
        progress(phase, (done += rows.length))
      },
    })
    repeated.refuse()
    newRows.refuseMissingColumns(columns, currentAdmin, options)
    return report!
  }

  if (dryRun) return (await pass({ phase: 'checking' })).finish()

  // Passwords are hashed before the transaction (bcrypt on the bulk lane's one low-priority
  // worker, never in the way of a login), so no row stays locked while it runs: a first pass
  // checks the file and keeps the passwords of the rows it would write; a file with errors ends there.
  const passwords = new Map<number, string>()
  const passwordField = definition.passwordHash?.from
  try {
    const checked = await pass({
      phase: 'checking',
      onHeader: (columns) => {
        if (columnOf(columns, passwordField) === undefined) throw new NoPasswordColumn()
      },
      onChunk: async (rows) => {
        for (const row of rows) if (row.password && (row.action === 'create' || row.action === 'update')) passwords.set(row.row, row.password)
      },
    })
    if (checked.failed) return checked.finish()
  } catch (error) {
    if (!(error instanceof NoPasswordColumn)) throw error
  }

  // One at a time, so imports running together take turns and a stopped one leaves nothing queued behind it.
  const hashes = new Map<number, string>()
  progress('hashing', 0, passwords.size)
  for (const [row, password] of passwords) {
    signal?.throwIfAborted()
    const hash = hashPassword(password, options.bcryptRounds, 'bulk')
    // A stop does not wait for the hash under way: nothing is written yet.
    hashes.set(row, await (signal ? untilAborted(hash, signal) : hash))
    passwords.delete(row)
    progress('hashing', hashes.size, hashes.size + passwords.size)
  }

  const operation = `import:${randomUUID()}`
  try {
    const applied = await resource.asActor(
      { currentAdmin },
      async (transaction) => {
        await run.inTransaction?.(transaction)
        const write = rowWriter(options, transaction)
        // Checked again under lock, a chunk at a time, and written as it passes: what was checked
        // above may have changed in the meantime. A row refused anywhere rolls all of it back.
        const report = await pass({
          transaction,
          phase: 'applying',
          onChunk: async (checked, failed) => {
            if (failed) return
            for (const row of checked) {
              if (row.password && !hashes.has(row.row)) hashes.set(row.row, await hashPassword(row.password, options.bcryptRounds, 'bulk'))
            }
            await write(checked, hashes)
          },
        })
        const finished = report.finish()
        if (report.failed) throw new NothingSaved(finished)
        await run.beforeCommit?.(finished, transaction)
        return finished
      },
      operation,
    )
    progress('done', applied.summary.total, applied.summary.total)
    return applied
  } catch (error) {
    if (error instanceof NothingSaved) return error.report
    throw error
  }
}

/** `work`'s result, or the signal's reason as soon as it is aborted (its listener removed either way). */
const untilAborted = <T>(work: Promise<T>, signal: AbortSignal) =>
  new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
