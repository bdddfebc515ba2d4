import { pipeline, Transform, type Readable, type Writable } from 'node:stream'
import type { Request, Response } from 'express'
import type { Logger } from 'pino'
import type { Sequelize } from 'sequelize'
import { recordExport, type ExportEntry } from './record-export.js'

/**
 * The download half of an export: a file's streams sent to the response, cut off when the client
 * stops reading, and put on record in the change history.
 */

/** A file's streams: the query's rows (destroying it stops the query), the stages after it, and the stream the response reads. */
export type FileStreams = {
  source: Readable
  stages: Array<Transform | Writable>
  output: Readable
  /** Settles once the query is over and its connection is back in the pool (or closed). */
  databaseDone: Promise<void>
  /** Rows written so far (all of them once the source has ended). */
  rows: () => number
}

/** What sending a file needs besides its streams. */
type Sending = {
  entry: ExportEntry
  fileName: string
  contentType: string
  sequelize: Sequelize
  logger: Logger
  writeTimeoutMs: number
}

export const refuse = (res: Response, status: number, error: string, field?: string) => res.status(status).json({ error, ...(field && { field }) })

/**
 * Cuts the response off once the client has read nothing for `timeoutMs`: a download that is
 * opened and never read would otherwise keep its cursor, its transaction and its database
 * connection for as long as the client likes. Progress is a 'drain' (the client took what was
 * waiting), or nothing waiting at all.
 */
function cutOffStalledClient(res: Response, timeoutMs: number, onCut: () => void) {
  let lastProgress = Date.now()
  const drained = () => (lastProgress = Date.now())
  res.on('drain', drained)
  const watchdog = setInterval(
    () => {
      if (!res.writableNeedDrain) return drained()
      if (Date.now() - lastProgress < timeoutMs) return
      clearInterval(watchdog)
      onCut()
      res.destroy()
    },
    Math.min(1000, Math.max(50, timeoutMs / 4)),
  )
  watchdog.unref()
  res.once('close', () => {
    clearInterval(watchdog)
    res.off('drain', drained)
  })
}

/**
 * Streams a file to the response and puts the export on record. The response is not part of the
 * pipeline: a query that fails before the first row still gets an answer. A client that goes
 * away destroys the source, which stops the query.
 */
export function sendFile(req: Request, res: Response, file: FileStreams, sending: Sending) {
  try {
    startSending(req, res, file, sending)
  } catch (error) {
    // The query already runs: left without a reader, its backend would wait on a full socket for good.
    file.source.destroy(error as Error)
    throw error
  }
}

function startSending(req: Request, res: Response, file: FileStreams, sending: Sending) {
  const { entry, sequelize, logger, writeTimeoutMs } = sending
  let recorded = false
  const record = async () => {
    recorded = true
    await file.databaseDone
    entry.rows = file.rows()
    await recordExport(sequelize, entry)
  }
  // The file ends only once its history entry is written: a complete download is always on
  // record. (Right after the source, this waits for the query's end in either mode of stream.)
  const onRecord = new Transform({
    objectMode: true,
    transform: (chunk, _encoding, done) => done(null, chunk),
    flush: (done) => void record().then(() => done(), done),
  })

  res.status(200)
  res.setHeader('Content-Type', sending.contentType)
  res.setHeader('Content-Disposition', `attachment; filename="${sending.fileName}"`)
  res.setHeader('Cache-Control', 'no-store')
  // A reverse proxy (nginx) passes the file on as it comes instead of buffering all of it.
  res.setHeader('X-Accel-Buffering', 'no')

  let clientGone = false
  res.on('close', () => {
    if (res.writableFinished) return
    clientGone = true
    file.source.destroy(new Error('the client went away before the end of the file'))
  })
  cutOffStalledClient(res, writeTimeoutMs, () => req.log?.warn({ rows: file.rows(), writeTimeoutMs }, 'export cut off: the client stopped reading'))
  file.output.pipe(res)
  pipeline([file.source, onRecord, ...file.stages], async (error) => {
    if (!error) return
    await file.databaseDone
    if (!res.headersSent && !clientGone) {
      // Nothing was sent: the query itself failed (e.g. a filter value the column cannot hold).
      file.output.unpipe(res)
      for (const header of ['Content-Type', 'Content-Disposition', 'X-Accel-Buffering']) res.removeHeader(header)
      const code = String((error as { code?: string }).code ?? '')
      if (code.startsWith('22')) refuse(res, 400, `A filter value is not valid: ${error.message}`)
      else {
        req.log?.error({ err: error }, 'export failed')
        refuse(res, 500, 'The export failed. Please try again.')
      }
      return
    }
    res.destroy()
    req.log?.warn({ err: error, rows: file.rows() }, 'export stopped before its end')
    if (recorded) return
    entry.aborted = true
    await record().catch((failure) => logger.error({ err: failure, entry }, 'could not record an export in the change history'))
  })
}
