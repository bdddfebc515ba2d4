import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { CurrentAdmin } from 'adminjs'
import PgBoss from 'pg-boss'
import type { Logger } from 'pino'
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import { isAdmin } from '../access/index.js'
import { toSessionAdmin } from '../auth/authenticate.js'
import { bulkShareOf } from '../db/bulk-share.js'
import { ImportFileError } from './csv-file.js'
import { runImport, type FinishedReport, type ImportOptions, type ImportProgress } from './csv-import.js'
import { withFileOnDisk } from './import-file.js'
import { countsOf, fileNameOf } from './import-job-list.js'
import { createQueueOnce, newImportQueue } from './import-queue.js'

/**
 * Long imports run as jobs of pg-boss (a PostgreSQL job queue: any instance may run a job, and
 * the job outlives the request and the process that queued it). The uploaded file is stored in
 * import_jobs (see migration 0011) rather than in the job's data, which pg-boss reads back on
 * every fetch and keeps as JSON; the job's data is just that row's id.
 *
 * A job runs with its user's rights as they are when it runs (a manager's job under the manager's
 * row rules; a deactivated user's job does not run). An apply is one transaction that also writes
 * the report: it commits with the imported rows or not at all. Stopped halfway (a deploy, a
 * crash), it rolls back and pg-boss runs it again — after a graceful stop at once, after a crash
 * once its expiry has passed — up to RETRIES times; then the report says it failed and nothing
 * was saved.
 */

export const IMPORT_QUEUE = 'import'
/** Runs after the first one that was stopped or failed on something other than the file. */
const RETRIES = 2
/** pg-boss expires a job this long after our own timeout: our timeout always comes first. */
const EXPIRY_MARGIN_SECONDS = 60
/** Progress is written at most this often (it is a row update). */
const PROGRESS_EVERY_MS = 500
const KEEP_FINISHED_DAYS = 7
/** A stored report's pieces: a statement each, small beside the whole report of a large import. */
const REPORT_PIECE_CHARS = 256 * 1024
/** An uploaded file's pieces as a job stores and reads it. */
const FILE_PIECE_BYTES = 1024 * 1024

/** `uploadDir`: the app's folder for uploads (UPLOAD_DIR), where a running job keeps its file (default: the system's). */
export type ImportJobSettings = { pollSeconds: number; retryDelaySeconds: number; timeoutMinutes: number; maxRows: number; uploadDir?: string }

/** Rows checked of the total, passwords hashed, rows written. */
export type ImportJobProgress = { phase: ImportProgress['phase'] | 'queued'; total: number; checked: number; hashed: number; toHash: number; applied: number; toApply: number }

/**
 * What GET on a job's address answers: its HTTP status and body. A finished job's report is the
 * stored JSON text as it is: parsing and re-serializing 100,000 report rows would only cost memory.
 */
export type ImportJobAnswer =
  | { status: 202 | 400 | 404 | 409 | 500; body: Record<string, unknown> }
  | { status: 200; json: string }
  | { status: 200; pieces: AsyncIterable<string> }

type JobRow = {
  id: string
  resource: string
  actor_id: number
  dry_run: boolean
  rows: number
  status: 'queued' | 'running' | 'done' | 'refused' | 'failed' | 'cancelled'
  progress: ImportJobProgress | null
  report: string | null
  error: string | null
  attempts: number
  cancel_requested?: boolean
}

/** A job's progress before its worker has written any. */
export const startingProgress = (total: number, state: 'queued' | 'running' = 'queued'): ImportJobProgress => ({
  phase: state === 'running' ? 'checking' : 'queued',
  total,
  checked: 0,
  hashed: 0,
  toHash: 0,
  applied: 0,
  toApply: 0,
})

class Timeout extends Error {}
class Stopping extends Error {}
class Cancelled extends Error {}

const NOTHING_SAVED = 'Nothing was saved; upload the file again to retry.'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function createImportJobs(options: { sequelize: Sequelize; logger: Logger; settings: ImportJobSettings; importers: Record<string, ImportOptions> }) {
  const { sequelize, logger, settings } = options
  const newBoss = () => newImportQueue(sequelize, logger)
  let boss = newBoss()
  /** The jobs this instance runs, by id: a cancel that arrives here stops its job at once. */
  const running = new Map<string, AbortController>()
  let workerId: string | undefined

  const query = <T>(sql: string, bind: unknown[], transaction?: Transaction) =>
    sequelize.query(sql, { bind, type: QueryTypes.SELECT, transaction }) as Promise<T[]>
  const execute = (sql: string, bind: unknown[], transaction?: Transaction) => sequelize.query(sql, { bind, transaction })

  /**
   * Only once: whichever finishes a job first (its worker, or a reader who finds pg-boss gave up)
   * says how it ended. The report is stored in pieces with the status, in one transaction (the
   * apply's own when given: "done" commits with the imported rows).
   */
  const finish = async (id: string, status: 'done' | 'refused' | 'failed' | 'cancelled', values: { report?: FinishedReport; error?: string }, transaction?: Transaction) => {
    const { report } = values
    const end = async (transaction?: Transaction) => {
      const [ended] = await query<{ id: string }>(
        `UPDATE import_jobs SET status = $2, report = NULL, counts = $4, error = $3, file = NULL, progress = NULL, finished_at = now() WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
        [id, status, values.error ?? null, report ? JSON.stringify(countsOf(report)) : null],
        transaction,
      )
      if (ended) await execute(`DELETE FROM import_job_file_pieces WHERE job_id = $1`, [id], transaction)
      if (ended && report) await storeReport(id, report, transaction)
    }
    if (transaction || !report) return end(transaction)
    await sequelize.transaction((own) => end(own))
  }

  /** A report's JSON text in pieces of about REPORT_PIECE_CHARS, one statement each: never the whole text in one value. */
  const storeReport = async (id: string, report: FinishedReport, transaction?: Transaction) => {
    await execute(`DELETE FROM import_job_report_pieces WHERE job_id = $1`, [id], transaction)
    let seq = 0
    let piece = ''
    const store = async () => {
      await execute(`INSERT INTO import_job_report_pieces (job_id, seq, text) VALUES ($1, $2, $3)`, [id, seq++, piece], transaction)
      piece = ''
    }
    for await (const text of report.pieces()) {
      piece += text
      if (piece.length >= REPORT_PIECE_CHARS) await store()
    }
    if (piece || !seq) await store()
  }

  /**
   * A job's stored file copied to disk a piece at a time: read as one value, a 20 MB upload came
   * back as 40 MB of hex text, the protocol's buffer of it and the bytes, all at once.
   */
  const storedFileTo = async (id: string, file: string) => {
    const out = await open(file, 'w')
    try {
      let pieces = 0
      for await (const data of storedPieces<Buffer>('import_job_file_pieces', 'data', id)) {
        await out.write(data)
        pieces += 1
      }
      if (pieces) return
      // A job queued before migration 0022 has its file in import_jobs.file.
      for (let from = 1; ; from += FILE_PIECE_BYTES) {
        const [row] = await query<{ piece: Buffer }>(`SELECT substring(file FROM $2 FOR $3) AS piece FROM import_jobs WHERE id = $1`, [id, from, FILE_PIECE_BYTES])
        if (!row?.piece?.length) return
        await out.write(row.piece)
      }
    } finally {
      await out.close()
    }
  }

  /** A job's stored pieces (of its report or its upload) in order, one statement each. */
  async function* storedPieces<T>(table: 'import_job_report_pieces' | 'import_job_file_pieces', column: 'text' | 'data', id: string): AsyncGenerator<T> {
    for (let seq = 0; ; seq++) {
      const [row] = await query<{ piece: T }>(`SELECT ${column} AS piece FROM ${table} WHERE job_id = $1 AND seq = $2`, [id, seq])
      if (!row) return
      yield row.piece
    }
  }

  async function handle(job: PgBoss.JobWithMetadata<{ importId: string }>) {
    const id = job.data.importId
    const [row] = await query<JobRow>(`SELECT id, resource, actor_id, dry_run, rows, status FROM import_jobs WHERE id = $1`, [id])
    // Finished already: an apply's report commits with its rows, so a run that crashed after
    // committing is not run twice.
    if (!row || !['queued', 'running'].includes(row.status)) return
    const importer = options.importers[row.resource]
    const [actor] = await query<{ id: number; email: string; name: string; role: string; active: boolean }>(
      `SELECT id, email, name, role, active FROM admin_users WHERE id = $1`,
      [row.actor_id],
    )
    if (!importer || !actor?.active) {
      await finish(id, 'refused', { error: 'The account that started this import is no longer active. Nothing was saved.' })
      return
    }
    // Only a job still on: a cancel between the read above and here has the last word.
    const [started] = await query<{ cancel_requested: boolean }>(
      `UPDATE import_jobs SET status = 'running', attempts = attempts + 1, started_at = now(), error = NULL WHERE id = $1 AND status IN ('queued', 'running') RETURNING cancel_requested`,
      [id],
    )
    if (!started) return
    if (started.cancel_requested) return void (await finish(id, 'cancelled', { error: CANCELLED }))

    const controller = new AbortController()
    running.set(id, controller)
    const timer = setTimeout(() => controller.abort(new Timeout()), settings.timeoutMinutes * 60_000)
    const progress = startingProgress(row.rows, 'running')
    // Written beside the import, never awaited by it: on the embedded database another connection
    // waits while a transaction runs, and the import must not wait for it.
    let written = 0
    let writing: Promise<unknown> = Promise.resolve()
    const onProgress = ({ phase, done, total }: ImportProgress) => {
      progress.phase = phase
      if (phase === 'checking') progress.checked = done
      if (phase === 'hashing') Object.assign(progress, { hashed: done, toHash: total })
      if (phase === 'applying') Object.assign(progress, { applied: done, toApply: total })
      if (Date.now() - written < PROGRESS_EVERY_MS) return
      written = Date.now()
      const snapshot = JSON.stringify(progress)
      writing = writing
        .then(async () => {
          // The same statement tells whether someone cancelled the job (from any instance).
          const [state] = await query<{ cancel_requested: boolean }>(`UPDATE import_jobs SET progress = $2 WHERE id = $1 AND status = 'running' RETURNING cancel_requested`, [id, snapshot])
          if (state?.cancel_requested) controller.abort(new Cancelled())
        })
        .catch((error) => logger.warn({ err: error, importId: id }, 'could not record import progress'))
    }

    let committed = false
    // A job is bulk work too: it waits for one of the connections bulk work may hold.
    const share = bulkShareOf(sequelize)
    let releaseConnection: (() => void) | undefined
    try {
      releaseConnection = await share.connectionPlace(controller.signal, Infinity)
      // The user as a session of theirs would be now: the same role, the same row rules.
      const currentAdmin = toSessionAdmin(actor) as unknown as CurrentAdmin
      // Read a chunk at a time, two or three times over: from disk, not from a buffer held all along.
      // The report's rows wait in the same folder until stored (ReportRowsOnDisk).
      const report = await withFileOnDisk(settings.uploadDir ?? tmpdir(), (file) => storedFileTo(id, file), async (file) => {
        const report = await runImport(file, currentAdmin, row.dry_run, importer, {
          maxRows: settings.maxRows,
          total: row.rows,
          signal: controller.signal,
          onProgress,
          reportFolder: path.dirname(file),
          inTransaction: share.applyBulkSettings,
          beforeCommit: async (report, transaction) => {
            await finish(id, 'done', { report }, transaction)
            committed = true
          },
        })
        if (!committed) await finish(id, 'done', { report })
        return report
      })
      logger.info({ importId: id, dryRun: row.dry_run, total: report.summary.total, failed: report.summary.failed }, 'import job done')
    } catch (error) {
      // The file's own problems and a timeout would only happen again: no retry.
      if (error instanceof ImportFileError) await finish(id, 'refused', { error: error.message })
      else if (error instanceof Cancelled) await finish(id, 'cancelled', { error: CANCELLED })
      else if (error instanceof Timeout) {
        await finish(id, 'failed', { error: `The import took longer than ${settings.timeoutMinutes} minutes (IMPORT_JOB_TIMEOUT_MINUTES) and was stopped. ${NOTHING_SAVED}` })
      } else await retryOrFail(error)
    } finally {
      releaseConnection?.()
      clearTimeout(timer)
      running.delete(id)
      await writing
    }

    async function retryOrFail(error: unknown) {
      const lastAttempt = job.retryCount >= job.retryLimit
      const reason = error instanceof Stopping ? 'The server stopped while the import ran' : 'The import failed on our side'
      logger[error instanceof Stopping ? 'info' : 'error']({ err: error, importId: id, attempt: job.retryCount + 1 }, 'import job stopped')
      if (lastAttempt) await finish(id, 'failed', { error: `${reason}. ${NOTHING_SAVED}` })
      else await execute(`UPDATE import_jobs SET status = 'queued', progress = NULL, error = $2 WHERE id = $1`, [id, `${reason}; nothing was saved. It runs again shortly.`])
      throw error // pg-boss records the failure and retries it, unless that was the last attempt
    }
  }

  return {
    async start() {
      await boss.start()
      await createQueueOnce(boss, IMPORT_QUEUE)
      workerId = await boss.work<{ importId: string }>(
        IMPORT_QUEUE,
        { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: settings.pollSeconds },
        async ([job]) => handle(job),
      )
    },

    /** Stops taking jobs; a job running here is stopped (it rolls back) and runs again on the next instance to poll. */
    async stop() {
      for (const controller of running.values()) controller.abort(new Stopping())
      await boss.stop({ graceful: true, wait: true, close: false, timeout: 5_000 })
      boss = newBoss()
      workerId = undefined
    },

    /** Stores the file (`file`: where the upload is on disk) and queues its job; answers the job's id. */
    async enqueue(job: { resource: string; actor: CurrentAdmin; dryRun: boolean; file: string; rows: number; fileName?: string }) {
      const id = randomUUID()
      await execute(`DELETE FROM import_jobs WHERE finished_at < now() - make_interval(days => $1)`, [KEEP_FINISHED_DAYS])
      await execute(`INSERT INTO import_jobs (id, resource, actor_id, dry_run, file, rows, file_name) VALUES ($1, $2, $3, $4, NULL, $5, $6)`, [
        id,
        job.resource,
        Number(job.actor.id),
        job.dryRun,
        job.rows,
        fileNameOf(job.fileName),
      ])
      try {
        // A piece at a time, as the job reads it back (storedFileTo): never the whole upload in memory.
        let seq = 0
        for await (const piece of createReadStream(job.file, { highWaterMark: FILE_PIECE_BYTES })) {
          await execute(`INSERT INTO import_job_file_pieces (job_id, seq, data) VALUES ($1, $2, $3)`, [id, seq++, piece])
        }
        await boss.send(IMPORT_QUEUE, { importId: id }, {
          id,
          retryLimit: RETRIES,
          retryDelay: settings.retryDelaySeconds,
          expireInSeconds: settings.timeoutMinutes * 60 + EXPIRY_MARGIN_SECONDS,
        })
      } catch (error) {
        await execute(`DELETE FROM import_jobs WHERE id = $1`, [id])
        throw error
      }
      // This instance's worker looks at once instead of at its next poll (if it is free).
      if (workerId) boss.notifyWorker(workerId)
      return id
    },

    /** The job as its owner (or an admin) may see it; anyone else is told there is no such job. */
    async answer(id: string, currentAdmin: CurrentAdmin): Promise<ImportJobAnswer> {
      const notFound: ImportJobAnswer = { status: 404, body: { error: 'There is no such import.' } }
      if (!UUID.test(id)) return notFound
      const read = async () => (await query<JobRow>(`SELECT id, resource, actor_id, dry_run, rows, status, progress, report::text AS report, error, attempts, cancel_requested FROM import_jobs WHERE id = $1`, [id]))[0]
      let row = await read()
      if (!row || (String(row.actor_id) !== String(currentAdmin.id) && !isAdmin({ currentAdmin }))) return notFound
      if (row.status === 'queued' || row.status === 'running') {
        // As far as the row knows it is still on: pg-boss knows whether the job ended without a
        // word from its worker (a crash on the last attempt, found once the job expired).
        const job = await boss.getJobById(IMPORT_QUEUE, id)
        if (!job || ['completed', 'failed', 'cancelled'].includes(job.state)) {
          if (row.cancel_requested) await finish(id, 'cancelled', { error: CANCELLED })
          else await finish(id, 'failed', { error: `The import stopped before it finished. ${NOTHING_SAVED}` })
          row = (await read())!
        } else if (job.state !== 'active') row.status = 'queued'
      }
      if (row.status === 'done') return row.report === null ? { status: 200, pieces: storedPieces<string>('import_job_report_pieces', 'text', id) } : { status: 200, json: row.report }
      if (row.status === 'refused') return { status: 400, body: { error: row.error } }
      if (row.status === 'failed') return { status: 500, body: { error: row.error, state: 'failed' } }
      if (row.status === 'cancelled') return { status: 409, body: { error: row.error, state: 'cancelled' } }
      return {
        status: 202,
        body: {
          state: row.status,
          dryRun: row.dry_run,
          ...(row.progress ?? startingProgress(row.rows, row.status)),
          attempts: row.attempts,
          ...(row.error && { message: row.error }),
        },
      }
    },

    /**
     * Stops a job that waits or runs (its owner or an admin may): a waiting job never starts; a
     * running one stops between rows or statements and rolls back, so nothing is saved; a finished
     * one stays as it ended (409). Answers what the job's address will answer from now on.
     */
    async cancel(id: string, currentAdmin: CurrentAdmin): Promise<{ status: 200 | 202 | 404 | 409; body: Record<string, unknown> }> {
      if (!UUID.test(id)) return { status: 404, body: { error: 'There is no such import.' } }
      const [row] = await query<Pick<JobRow, 'actor_id' | 'status'>>(`SELECT actor_id, status FROM import_jobs WHERE id = $1`, [id])
      if (!row || (String(row.actor_id) !== String(currentAdmin.id) && !isAdmin({ currentAdmin }))) return { status: 404, body: { error: 'There is no such import.' } }
      const [queued] = await query<{ id: string }>(
        `UPDATE import_jobs SET status = 'cancelled', error = $2, file = NULL, progress = NULL, cancel_requested = true, finished_at = now() WHERE id = $1 AND status = 'queued' RETURNING id`,
        [id, CANCELLED],
      )
      if (queued) {
        await execute(`DELETE FROM import_job_file_pieces WHERE job_id = $1`, [id])
        await boss.cancel(IMPORT_QUEUE, id).catch((error) => logger.warn({ err: error, importId: id }, 'could not cancel the queued import job'))
        return { status: 200, body: { state: 'cancelled', error: CANCELLED } }
      }
      const [flagged] = await query<{ id: string }>(`UPDATE import_jobs SET cancel_requested = true WHERE id = $1 AND status = 'running' RETURNING id`, [id])
      if (!flagged) return { status: 409, body: { error: 'This import has already finished.' } }
      // Running here: stopped now; on another instance, at its next progress write (within a second).
      running.get(id)?.abort(new Cancelled())
      return { status: 202, body: { state: 'cancelling' } }
    },
  }
}

export type ImportJobs = ReturnType<typeof createImportJobs>

const CANCELLED = 'The import was cancelled. Nothing was saved.'
