import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { CurrentAdmin } from 'adminjs'
import busboy from 'busboy'
import type { Request, RequestHandler, Response } from 'express'
import type { Logger } from 'pino'
import type { Sequelize } from 'sequelize'
import { isStaff } from '../access/index.js'
import { BulkLimitReached, bulkShareOf, type BulkTicket } from '../db/bulk-share.js'
import { ImportFileError } from './csv-file.js'
import { inspectSource, runImport, type FinishedReport, type ImportOptions } from './csv-import.js'
import { recentImports, recordInlineImport } from './import-job-list.js'
import { reportJson } from './import-report.js'
import { startingProgress, type ImportJobs } from './import-jobs.js'

/**
 * POST /admin/imports/<Resource> (multipart: `file`, `dryRun` = 1 | 0): the upload is streamed to
 * a temporary file by busboy (with the size limit enforced while it arrives, never whole in
 * memory), streamed through csv-parse once to decide where it runs, and checked or applied by
 * runImport. Registered before AdminJS's router, whose multipart parser would otherwise read the
 * body first.
 *
 * A small file is imported in the request (200 with the report). A long one — more rows than
 * IMPORT_INLINE_MAX_ROWS, or an apply with more passwords to hash than IMPORT_INLINE_MAX_PASSWORDS —
 * becomes a job (import-jobs.ts): 202 with a `Location` whose GET answers 202 with progress, then
 * 200 with the report. Either way a file that is refused on its own (not CSV, unknown columns…)
 * is refused in the request.
 */

type Options = ImportOptions & {
  resourceName: string
  /** The app's own folder for uploads (UPLOAD_DIR): each upload gets a folder in it, removed when its request ends. */
  uploadDir: string
  maxBytes: number
  maxRows: number
  inlineMaxRows: number
  /** Counted at bcrypt cost 12 (~0.25 s a hash on one core here). */
  inlineMaxPasswords: number
  jobs: ImportJobs
  logger: Logger
  sequelize: Sequelize
}

/** The job's address, under the route that queued it. */
export const importJobPath = (resourceName: string, id: string) => `/admin/imports/${resourceName}/jobs/${id}`

const refuse = (res: Response, status: number, error: string) => res.status(status).json({ error })
const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`

type Upload = { file?: string; fileName?: string; dryRun: boolean }

/** Multipart framing and the dryRun field, on top of the file itself. */
const FRAMING_BYTES = 64 * 1024

/** An upload folder's name: its process id says whether it can still be in use (see sweepUploads). */
const UPLOAD_PREFIX = 'import-'
const uploadFolderPrefix = () => `${UPLOAD_PREFIX}${process.pid}-`

/**
 * Saves the `file` part to `dir`; resolves once the whole request has been read. Rejects as soon
 * as the upload is too large (counted as it arrives, so a chunked body without a Content-Length is
 * cut off too), and when the client goes away before the end; either way the file being written
 * is closed, for the caller to remove its folder.
 */
function receive(req: Request, dir: string, maxBytes: number, tooLarge: () => Error): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const upload: Upload = { dryRun: true }
    let parser: busboy.Busboy
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 10, parts: 12 } })
    } catch {
      return reject(new ImportFileError('Send the file as multipart/form-data, in a field named "file".'))
    }
    const writes: Promise<void>[] = []
    const files: NodeJS.WritableStream[] = []
    let settled = false
    let received = 0
    const stop = (error: Error) => {
      if (settled) return
      settled = true
      req.off('data', count)
      req.unpipe(parser)
      // Not from inside busboy's own callbacks (its 'limit' event): it still works on its state then.
      setImmediate(() => {
        parser.destroy()
        for (const file of files) (file as unknown as { destroy: () => void }).destroy()
      })
      // The file is closed before the caller removes its folder.
      setImmediate(() => Promise.allSettled(writes).then(() => reject(error)))
    }
    const count = (chunk: Buffer) => {
      received += chunk.length
      if (received > maxBytes + FRAMING_BYTES) stop(tooLarge())
    }
    req.on('data', count)
    req.once('close', () => {
      if (!req.complete) stop(new Error('the client went away during the upload'))
    })
    parser.on('field', (name, value) => {
      if (name === 'dryRun') upload.dryRun = value !== '0'
    })
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || upload.file) return stream.resume()
      upload.file = path.join(dir, 'upload')
      upload.fileName = info.filename
      stream.on('limit', () => stop(tooLarge()))
      const file = createWriteStream(upload.file)
      files.push(file)
      writes.push(pipeline(stream, file))
    })
    parser.on('error', (error) => stop(new ImportFileError(`The upload could not be read: ${(error as Error).message}`)))
    parser.on('close', () =>
      Promise.all(writes).then(
        () => {
          if (settled) return
          settled = true
          req.off('data', count)
          resolve(upload)
        },
        (error) => stop(error),
      ),
    )
    req.pipe(parser)
  })
}

/**
 * Removes what earlier runs of the app left in the upload folder (a crash, a kill mid-upload):
 * every upload folder whose process is no longer running, and this process id's own (a restarted
 * container often gets the same id). Folders of other live instances on this machine are kept.
 */
export async function sweepUploads(uploadDir: string, logger: Logger) {
  await mkdir(uploadDir, { recursive: true, mode: 0o700 })
  const alive = (pid: number) => {
    if (pid === process.pid) return false
    try {
      process.kill(pid, 0)
      return true
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM'
    }
  }
  let removed = 0
  for (const name of await readdir(uploadDir)) {
    if (!name.startsWith(UPLOAD_PREFIX)) continue
    const pid = Number(/^import-(\d+)-/.exec(name)?.[1])
    if (Number.isInteger(pid) && alive(pid)) continue
    await rm(path.join(uploadDir, name), { recursive: true, force: true })
    removed += 1
  }
  if (removed) logger.info({ uploadDir, removed }, 'removed uploads left over from an earlier run')
}

export function csvImportRoute(options: Options): RequestHandler {
  return (req, res, next) => importCsv(req, res).catch(next)

  async function importCsv(req: Request, res: Response) {
    const currentAdmin = req.session?.adminUser as CurrentAdmin | undefined
    if (!currentAdmin) return refuse(res, 401, 'Please log in to import.')
    if (!isStaff({ currentAdmin })) return refuse(res, 403, 'You may not import these records.')
    const tooLargeMessage = `The file is larger than the ${megabytes(options.maxBytes)} an import takes.`
    const declared = Number(req.headers['content-length'])
    // Beyond the limit: refused before reading it (the multipart framing adds a little).
    if (declared > options.maxBytes + FRAMING_BYTES) return refuse(res, 413, tooLargeMessage)
    // Bulk work: so many imports at once, in all and per user; beyond that a 429, the body unread.
    let ticket: BulkTicket
    try {
      ticket = bulkShareOf(options.model.sequelize as Sequelize).begin('import', currentAdmin.id ?? currentAdmin.email)
    } catch (error) {
      if (error instanceof BulkLimitReached) return refuse(res, 429, error.message)
      throw error
    }
    let dir: string | undefined
    let upload: Upload | undefined
    let rows = 0
    // What ran in the request is on record as well (the page's "Recent imports"); a failure to
    // record it does not undo or hide the import's own answer.
    const record = (outcome: { report?: FinishedReport; error?: string }) =>
      recordInlineImport(options.sequelize, { resource: options.resourceName, actor: currentAdmin, dryRun: upload!.dryRun, fileName: upload!.fileName, rows, ...outcome }).catch((error) =>
        options.logger.warn({ err: error }, 'could not record an import in the recent imports'),
      )
    try {
      dir = await mkdtemp(path.join(options.uploadDir, uploadFolderPrefix()))
      upload = await receive(req, dir, options.maxBytes, () => new ImportFileError(tooLargeMessage, 413))
      if (!upload.file) return refuse(res, 400, 'Choose a CSV or XLSX file to import (form field "file").')
      const inspected = await inspectSource(upload.file, { maxRows: options.maxRows }, options)
      rows = inspected.rows
      // Each bcrypt round less halves a hash's time: at a lower cost more passwords fit in a request.
      const maxPasswords = Math.floor(options.inlineMaxPasswords * 2 ** (12 - options.bcryptRounds))
      const long = inspected.rows > options.inlineMaxRows || (!upload.dryRun && inspected.passwords > maxPasswords)
      if (!long) {
        await ticket.connection()
        const report = await runImport(upload.file, currentAdmin, upload.dryRun, options, { maxRows: options.maxRows, total: inspected.rows, inTransaction: ticket.inTransaction })
        await record({ report })
        return res.status(200).type('json').send(await reportJson(report))
      }
      const id = await options.jobs.enqueue({
        resource: options.resourceName,
        actor: currentAdmin,
        dryRun: upload.dryRun,
        file: upload.file,
        rows: inspected.rows,
        fileName: upload.fileName,
      })
      res.status(202).location(importJobPath(options.resourceName, id)).json({ state: 'queued', dryRun: upload.dryRun, ...startingProgress(inspected.rows), attempts: 0 })
    } catch (error) {
      if (res.destroyed) return // the client went away mid-upload: nobody to answer
      if (error instanceof BulkLimitReached) return refuse(res, error.status, error.message)
      if (error instanceof ImportFileError) {
        if (upload?.file && error.status === 400) await record({ error: error.message })
        return refuse(res, error.status, error.message)
      }
      throw error
    } finally {
      ticket.end()
      if (dir) await rm(dir, { recursive: true, force: true }).catch((error) => options.logger.warn({ err: error }, 'could not remove an import upload'))
    }
  }
}

/** GET /admin/imports/<Resource>/jobs: the recent imports this user may see (their own; all for an admin). */
export function recentImportsRoute(sequelize: Sequelize): RequestHandler {
  return async (req, res) => {
    const currentAdmin = req.session?.adminUser as CurrentAdmin | undefined
    if (!currentAdmin) return refuse(res, 401, 'Please log in to see the imports.')
    if (!isStaff({ currentAdmin })) return refuse(res, 403, 'You may not import these records.')
    const imports = await recentImports(sequelize, req.params.resource, currentAdmin)
    res.json({ imports: imports.map((entry) => ({ ...entry, location: importJobPath(req.params.resource, entry.id) })) })
  }
}

/** POST on a job's address + /cancel: stops it (nothing is saved); see ImportJobs.cancel. */
export function cancelImportRoute(jobs: ImportJobs): RequestHandler {
  return async (req, res) => {
    const currentAdmin = req.session?.adminUser as CurrentAdmin | undefined
    if (!currentAdmin) return refuse(res, 401, 'Please log in to cancel an import.')
    const answer = await jobs.cancel(req.params.id, currentAdmin)
    res.status(answer.status).json(answer.body)
  }
}

/** GET on a job's address: 202 with progress while it runs, then what the request would have answered. */
export function importJobRoute(jobs: ImportJobs): RequestHandler {
  return async (req, res) => {
    const currentAdmin = req.session?.adminUser as CurrentAdmin | undefined
    if (!currentAdmin) return refuse(res, 401, 'Please log in to see this import.')
    const answer = await jobs.answer(req.params.id, currentAdmin)
    if ('json' in answer) return res.status(answer.status).type('json').send(answer.json)
    // A job's report, however large, passes a piece at a time at the pace the client reads it.
    if ('pieces' in answer) {
      res.status(answer.status).type('json')
      return pipeline(Readable.from(answer.pieces), res).catch((error) => {
        // A reader that left before the end is no error of ours.
        if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error
      })
    }
    // Still running: look here again (the same address, so a client can follow Location until a 200).
    if (answer.status === 202) res.set('Retry-After', '1').location(importJobPath(req.params.resource, req.params.id))
    res.status(answer.status).json(answer.body)
  }
}
