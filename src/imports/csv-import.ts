import { randomUUID } from 'node:crypto'
import type { CurrentAdmin } from 'adminjs'
import type { Transaction } from 'sequelize'
import { hashPassword } from '../auth/password-hashing.js'
import { checkAll } from './import-check.js'
import { inspectFile, passwordsIn, refuseMissingRequiredColumns, versionColumnIn } from './import-columns.js'
import type { ImportFile } from './import-file.js'
import { nameReferencedRecords, referenceScope, resolveReferences } from './import-lookups.js'
import type { ImportOptions, ImportRun } from './import-options.js'
import { reportOf, type Checked, type ImportProgress, type ImportReport } from './import-report.js'
import { writeAll } from './import-write.js'

/**
 * An import: a file (CSV or XLSX, as the export writes it or a spreadsheet saved it) checked row
 * by row with the model's own rules, then, when every row passes, written all at once in one
 * transaction, recorded in the change history as one operation "import:<uuid>" of the importing
 * user. Rows match stored records by the registry entry's import key (a client's login; a sender
 * name's client and name), case-insensitively (import-key.ts).
 *
 * The work is split by responsibility: reading (import-file.ts: csv-file.ts, xlsx-file.ts, and
 * import-cells.ts for a cell's meaning), matching (import-columns.ts for the header,
 * import-lookups.ts for stored records), checking (import-check.ts), writing (import-write.ts)
 * and reporting (import-report.ts). This file runs them in order.
 */

export type { ImportAction, ImportProgress, ImportReport, ImportRow } from './import-report.js'
export type { ImportOptions, ImportRun } from './import-options.js'
export { inspectSource } from './import-columns.js'

class NothingSaved extends Error {
  constructor(readonly checked: Checked[]) {
    super('a rule refused at least one row')
  }
}

export async function runImport(file: ImportFile, currentAdmin: CurrentAdmin, dryRun: boolean, options: ImportOptions, run: ImportRun = {}): Promise<ImportReport> {
  const { model, resource } = options
  const { columns, keys } = inspectFile(file, options)
  const sequelize = model.sequelize!
  const references = await resolveReferences(file, columns, sequelize, referenceScope(currentAdmin, options))
  const versionColumn = versionColumnIn(file.header, options.definition)
  const versions = options.definition.versionField ? { compared: versionColumn !== undefined } : undefined
  const progress = (phase: ImportProgress['phase'], done: number, total = file.rows.length) => run.onProgress?.({ phase, done, total })
  // Inside the apply's transaction, its reads too: the embedded database serves one at a time.
  const report = async (checked: Checked[], transaction?: Transaction) => {
    await nameReferencedRecords(checked, columns, sequelize, transaction)
    return reportOf(dryRun, checked, options.definition, options.keyFields, versions)
  }
  const { signal } = run

  const check = async (transaction?: Transaction) => {
    const checked = await checkAll(file, columns, versionColumn, keys, references, currentAdmin, options, transaction, (done) => {
      signal?.throwIfAborted()
      progress('checking', done)
    })
    refuseMissingRequiredColumns(checked, columns, currentAdmin, options)
    return checked
  }
  // Without passwords to hash first, an apply checks once, inside its transaction.
  const checked = dryRun || passwordsIn(file, options, { columns, keys }) > 0 ? await check() : []
  if (dryRun || checked.some((row) => row.action === 'error')) return report(checked)

  // Hashing is the slow part (bcrypt on the bulk lane's one low-priority worker, never in the way
  // of a login): done before the transaction, so no row stays locked while it runs. One at a time,
  // so imports running together take turns and a stopped one leaves nothing queued behind it.
  const passwords = checked.filter((row) => row.password && (row.action === 'create' || row.action === 'update'))
  const hashes = new Map<number, string>()
  progress('hashing', 0, passwords.length)
  for (const [i, row] of passwords.entries()) {
    signal?.throwIfAborted()
    const hash = hashPassword(row.password!, options.bcryptRounds, 'bulk')
    // A stop does not wait for the hash under way: nothing is written yet.
    hashes.set(row.row, await (signal ? untilAborted(hash, signal) : hash))
    progress('hashing', i + 1, passwords.length)
  }

  const operation = `import:${randomUUID()}`
  try {
    const applied = await resource.asActor(
      { currentAdmin },
      async (transaction) => {
        await run.inTransaction?.(transaction)
        // Checked again under lock: what was checked above may have changed in the meantime.
        const final = await check(transaction)
        if (final.some((row) => row.action === 'error')) throw new NothingSaved(final)
        const missingHash = final.find((row) => row.password && !hashes.has(row.row))
        if (missingHash) hashes.set(missingHash.row, await hashPassword(missingHash.password!, options.bcryptRounds, 'bulk'))
        const writes = final.filter((row) => row.action === 'create' || row.action === 'update').length
        progress('applying', 0, writes)
        await writeAll(final, hashes, options, transaction, (written) => {
          signal?.throwIfAborted()
          progress('applying', written, writes)
        })
        const finalReport = await report(final, transaction)
        await run.beforeCommit?.(finalReport, transaction)
        return finalReport
      },
      operation,
    )
    progress('done', file.rows.length)
    return applied
  } catch (error) {
    if (error instanceof NothingSaved) return await report(error.checked)
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
