import { PassThrough, Transform, type Readable, type Writable } from 'node:stream'
import { flat, type CurrentAdmin } from 'adminjs'
import { stringify } from 'csv-stringify'
import { stringify as stringifySync } from 'csv-stringify/sync'
import type { Request, RequestHandler, Response } from 'express'
import QueryStream from 'pg-query-stream'
import type { Logger } from 'pino'
import { Op, type Sequelize, type WhereOptions } from 'sequelize'
import { BulkLimitReached, bulkShareOf, ONE_CORE_SETTINGS, type BulkTicket } from '../db/bulk-share.js'
import { pgConnections, type PooledPgConnection } from '../db/pooled-connection.js'
import type { AppResource, Sort } from '../panel/adapter/app-resource.js'
import { listSort } from '../panel/actions/list-action.js'
import { searchText, UnknownFieldError } from '../panel/list-query.js'
import type { ResourceDefinition } from '../fields/model.js'
import { copyCsvRecords, copySelectSql, type CopiedRecords, type PooledConnection } from './copy-csv.js'
import { csvColumns, type CsvColumn } from './csv-columns.js'
import type { ExportEntry } from './record-export.js'
import { copyXlsxFile, XLSX_COPY_SETTINGS } from './copy-xlsx.js'
import { xlsxSelectSql } from './xlsx-cell-sql.js'
import { xlsxWriter } from './xlsx-writer.js'
import { refuse, sendFile, type FileStreams } from './send-file.js'

/**
 * GET /admin/exports/<Resource>.csv?<the list's query> (and .xlsx): the rows the list matches for
 * this user (its filters, its sort, its row scope; all pages), streamed from a database cursor
 * through a CSV writer or an XLSX workbook writer, so memory stays flat however many rows there are;
 * on PostgreSQL both stream from COPY instead, every cell computed in SQL (copy-csv.ts,
 * copy-xlsx.ts), the same file several times faster. `ids=1,2,3` (or `recordIds=`) exports a selection. A client that
 * disconnects stops the query. Every export, finished or not, is an entry in the change history
 * with its row count.
 */

/** Rows fetched from the cursor at a time. */
const BATCH_ROWS = 500

type Options = {
  resource: AppResource
  definition: ResourceDefinition
  sequelize: Sequelize
  logger: Logger
  /**
   * The file streams from COPY (when every column has an SQL form). Not on the embedded database: its
   * COPY runs to the end in one go, holding its only backend and buffering the file for a slow
   * client, where the cursor lets other requests in between its batches.
   */
  copy?: boolean
  /** A client that reads nothing for this long is cut off: the export's connection goes back to the pool (EXPORT_WRITE_TIMEOUT_SECONDS). */
  writeTimeoutMs?: number
}

/** A COPY's records under the CSV's byte order mark and header row (sent with the first record, as the row path does). */
function copiedFile(columns: CsvColumn[], copied: CopiedRecords): FileStreams {
  const header = Buffer.from(stringifySync([columns.map((column) => column.label)], CSV_OPTIONS))
  let headerSent = false
  const file = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!headerSent) {
        headerSent = true
        this.push(header)
      }
      done(null, chunk)
    },
    flush(done) {
      if (!headerSent) this.push(header)
      done()
    },
  })
  return { source: copied.source, stages: [copied.records, file], output: file, databaseDone: copied.databaseDone, rows: copied.rows }
}

/** How a format turns the rows into a file: the cells of a row, and the stream that writes them. */
type ExportFormat = {
  extension: 'csv' | 'xlsx'
  contentType: string
  /** Whether the header row is sent down the pipeline as the first row of cells (CSV), or written by the writer itself. */
  headerRow: boolean
  cells: (columns: CsvColumn[]) => (row: Record<string, unknown>) => unknown[]
  /** The pipeline's last stage (taking rows of cells) and what it makes of them (piped to the response). */
  writer: (columns: CsvColumn[], definition: ResourceDefinition) => { sink: Writable; output: Readable }
  /** The file from PostgreSQL's COPY instead: its SELECT (undefined when a column has no SQL form), and the streams around the COPY. */
  copy: {
    selectSql: (resource: AppResource, columns: CsvColumn[], where: WhereOptions, sort: Sort) => string | undefined
    file: (pooled: PooledConnection, selectSql: string, columns: CsvColumn[], definition: ResourceDefinition) => FileStreams
    /** Planner settings for the COPY's statement (name, value), reset after it. */
    settings?: [string, string][]
  }
}

// RFC 4180: CRLF between records; a cell with a comma, quote or line break is quoted.
const CSV_OPTIONS = { bom: true, record_delimiter: 'windows', quoted_match: /[\r\n]/ } as const

const CSV: ExportFormat = {
  extension: 'csv',
  contentType: 'text/csv; charset=utf-8',
  headerRow: true,
  cells: (columns) => (row) => columns.map((column) => column.cell(row)),
  writer: () => {
    const csv = stringify(CSV_OPTIONS)
    return { sink: csv, output: csv }
  },
  copy: { selectSql: copySelectSql, file: (pooled, selectSql, columns) => copiedFile(columns, copyCsvRecords(pooled, selectSql)) },
}

const XLSX: ExportFormat = {
  extension: 'xlsx',
  contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  headerRow: false,
  cells: (columns) => (row) => columns.map((column) => column.typed(row)),
  writer: (columns, definition) => {
    const output = new PassThrough()
    return { sink: xlsxWriter(columns, output, definition.table), output }
  },
  copy: { selectSql: xlsxSelectSql, file: (pooled, selectSql, columns, definition) => copyXlsxFile(pooled, selectSql, columns, definition.table), settings: XLSX_COPY_SETTINGS },
}


/**
 * An export's pace while someone else's request is in flight: about a fifth of what one PostgreSQL
 * backend writes flat out here (a full CSV export's COPY: 420 MB in 6.4 s at 1,000,000 clients),
 * which leaves the other core and most of this one to the clicks. Alone, an export runs at full speed.
 */
const EXPORT_BYTES_PER_SECOND_WHILE_OTHERS_WAIT = 12 * 1024 ** 2

/** `1,2,3` → [1, 2, 3]; undefined when not a list of record ids. */
const parseIds = (raw: unknown): number[] | undefined => {
  if (typeof raw !== 'string' || !/^\d+(,\d+)*$/.test(raw.replace(/\s/g, ''))) return undefined
  return [...new Set(raw.replace(/\s/g, '').split(',').map(Number))]
}

const fileName = (definition: ResourceDefinition, format: ExportFormat) =>
  `${definition.table}-${new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}.${format.extension}`


export const csvExportRoute = (options: Options) => exportRoute(options, CSV)
export const xlsxExportRoute = (options: Options) => exportRoute(options, XLSX)

function exportRoute({ resource, definition, sequelize, logger, copy = false, writeTimeoutMs = 30_000 }: Options, format: ExportFormat): RequestHandler {
  const sending = (entry: ExportEntry) => ({ entry, fileName: fileName(definition, format), contentType: format.contentType, sequelize, logger, writeTimeoutMs })
  return (req, res, next) => exportFile(req, res).catch(next)

  async function exportFile(req: Request, res: Response) {
    const currentAdmin = req.session?.adminUser as CurrentAdmin | undefined
    if (!currentAdmin) return refuse(res, 401, 'Please log in to export.')
    const list = resource.decorate().actions.list
    if (!list || !(await list.isAccessible(currentAdmin))) return refuse(res, 403, 'You may not export these records.')

    const query = flat.unflatten(req.query ?? {}) as { filters?: unknown; q?: unknown; sortBy?: unknown; direction?: unknown; ids?: unknown; recordIds?: unknown }
    const filters = query.filters ?? {}
    if (typeof filters !== 'object' || filters === null || Array.isArray(filters)) {
      return refuse(res, 400, 'filters must be given as filters.<field>=<value>', 'filters')
    }
    if (query.sortBy !== undefined && typeof query.sortBy !== 'string') return refuse(res, 400, 'sortBy must name one field', 'sortBy')
    try {
      resource.assertListQuery({ filters: Object.keys(flat.flatten(filters as Record<string, unknown>)), sortBy: query.sortBy || undefined })
    } catch (error) {
      if (error instanceof UnknownFieldError) return refuse(res, 400, error.message, error.field)
      throw error
    }
    const idsParam = query.ids !== undefined ? 'ids' : query.recordIds !== undefined ? 'recordIds' : undefined
    const ids = idsParam ? parseIds(query[idsParam]) : undefined
    if (idsParam && !ids) return refuse(res, 400, `${idsParam} must be record ids separated by commas`, idsParam)

    const sort = listSort(resource, { sortBy: query.sortBy as string | undefined, direction: query.direction as string | undefined })
    const search = searchText(query.q)
    const where = resource.whereFor(filters as Record<string, unknown>, currentAdmin, ids && { id: { [Op.in]: ids } }, search)
    const { columns, attributes, computed } = csvColumns(definition, resource)
    const copySql = copy ? format.copy.selectSql(resource, columns, where, sort) : undefined
    const sql = resource.selectAllSql(where, sort, attributes, computed)

    const entry: ExportEntry = {
      resource: definition.name,
      actor: currentAdmin,
      filter: { ...flat.flatten(filters as Record<string, unknown>), ...(search && { q: search }) },
      sort: { sortBy: sort.sortBy ?? 'id', direction: sort.direction },
      ids,
      rows: 0,
    }

    // Bulk work: at most so many exports at once (429 beyond), holding one of the few connections
    // bulk work may hold; the rest of the pool stays for everyone's clicks.
    const share = bulkShareOf(sequelize)
    let ticket: BulkTicket
    try {
      ticket = share.begin('export', currentAdmin.id ?? currentAdmin.email)
    } catch (error) {
      if (error instanceof BulkLimitReached) return refuse(res, 429, error.message)
      throw error
    }
    const waitAbort = new AbortController()
    const leftEarly = () => waitAbort.abort(new Error('the client went away'))
    res.once('close', leftEarly)
    try {
      await ticket.connection(waitAbort.signal)
    } catch (error) {
      ticket.end()
      if (waitAbort.signal.aborted) return
      if (error instanceof BulkLimitReached) return refuse(res, 429, error.message)
      throw error
    } finally {
      res.off('close', leftEarly)
    }
    if (res.destroyed) return ticket.end()

    // One pooled connection, in a read-only snapshot: the cursor reads one consistent state, and on
    // the embedded database (one backend for all connections) nobody else's statement lands in
    // the middle of it.
    const connectionManager = pgConnections(sequelize)
    let connection: PooledPgConnection
    try {
      connection = await connectionManager.getConnection({ type: 'read' })
    } catch (error) {
      ticket.end()
      throw error
    }
    const { statementTimeoutMs } = share.settings
    if (copySql) {
      // One statement, as long as the download: the bulk timeout for it (and the format's planner
      // settings), the connection's own after.
      const settings = [
        ...(statementTimeoutMs ? [['statement_timeout', String(Math.floor(statementTimeoutMs))]] : []),
        ...ONE_CORE_SETTINGS,
        ...(format.copy.settings ?? []),
      ]
      const pooled: PooledConnection = {
        connection,
        release: () =>
          settings.length
            ? connection.query(settings.map(([name]) => `RESET ${name}`).join('; ')).then(
                () => connectionManager.releaseConnection(connection),
                () => connectionManager.destroyConnection(connection).catch(() => undefined),
              )
            : connectionManager.releaseConnection(connection),
        destroy: () => connectionManager.destroyConnection(connection),
      }
      try {
        if (settings.length) await connection.query(settings.map(([name, value]) => `SET ${name} = ${value}`).join('; '))
      } catch (error) {
        await connectionManager.destroyConnection(connection).catch(() => undefined)
        ticket.end()
        throw error
      }
      const file = format.copy.file(pooled, copySql, columns, definition)
      file.stages.unshift(share.interactive.throttle(EXPORT_BYTES_PER_SECOND_WHILE_OTHERS_WAIT))
      void file.databaseDone.finally(() => ticket.end())
      return sendFile(req, res, file, sending(entry))
    }
    let rows: QueryStream
    try {
      await connection.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      if (statementTimeoutMs) {
        // A fetch that fits a bulk job; and should the cut-off below ever miss a stalled client, the
        // server ends a transaction left idle well past it.
        await connection.query(`SET LOCAL statement_timeout = ${Math.floor(statementTimeoutMs)}`)
        await connection.query(`SET LOCAL idle_in_transaction_session_timeout = ${Math.floor(writeTimeoutMs + 60_000)}`)
      }
      rows = connection.query(new QueryStream(sql, [], { batchSize: BATCH_ROWS, highWaterMark: BATCH_ROWS })) as QueryStream
    } catch (error) {
      await connectionManager.destroyConnection(connection).catch(() => undefined)
      ticket.end()
      throw error
    }
    // Done with the database as soon as the cursor is (read to the end, failed or destroyed by a
    // disconnect), not when the response is: the connection goes back to the pool at once.
    const databaseDone = new Promise<void>((resolve) => {
      rows.once('close', () => {
        connection
          .query('ROLLBACK')
          .then(
            () => connectionManager.releaseConnection(connection),
            () => connectionManager.destroyConnection(connection).catch(() => undefined),
          )
          .finally(() => {
            ticket.end()
            resolve()
          })
      })
    })

    // The header row goes out with the first row (or the end of an empty result), so a query that
    // fails at once still gets a proper error answer instead of a truncated file.
    let headerSent = false
    let written = 0
    const cellsOf = format.cells(columns)
    const sendHeader = (stream: Transform) => {
      headerSent = true
      if (format.headerRow) stream.push(columns.map((column) => column.label))
    }
    const toCells = new Transform({
      objectMode: true,
      transform(row: Record<string, unknown>, _encoding, done) {
        if (!headerSent) sendHeader(this)
        written += 1
        done(null, cellsOf(row))
      },
      flush(done) {
        if (!headerSent) sendHeader(this)
        done()
      },
    })
    const { sink, output } = format.writer(columns, definition)
    sendFile(req, res, { source: rows, stages: [toCells, sink], output, databaseDone, rows: () => written }, sending(entry))
  }
}
