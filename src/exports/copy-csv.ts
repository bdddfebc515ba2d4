import type { Readable } from 'node:stream'
import { to as copyTo } from 'pg-copy-streams'
import type { WhereOptions } from 'sequelize'
import type { PooledPgConnection } from '../db/pooled-connection.js'
import type { AppResource, Sort } from '../panel/adapter/app-resource.js'
import type { CsvColumn } from './csv-columns.js'
import { CrlfRecords } from './crlf-records.js'

/**
 * A CSV export's records as PostgreSQL writes them: `COPY (<select>) TO STDOUT (FORMAT csv)`, every
 * cell computed in the SELECT (csv-cell-sql.ts), so Node only passes bytes on (turning record ends
 * into CRLF). One statement, so one snapshot: no transaction needed. Backpressure holds: the copy
 * stream stops reading the socket while the response is full, and PostgreSQL waits.
 */

/** The export's SELECT with one computed cell per column, or undefined when a column has no SQL form. */
export function copySelectSql(resource: AppResource, columns: CsvColumn[], where: WhereOptions, sort: Sort): string | undefined {
  if (!columns.every((column) => column.sql)) return undefined
  return resource.selectAllSql(where, sort, [], new Map(columns.map((column, i) => [`cell_${i}`, column.sql!()])))
}

/** The COPY statement around it. */
export const copyStatement = (selectSql: string) => `COPY (${selectSql}) TO STDOUT WITH (FORMAT csv, HEADER false)`

/** One pooled connection (a node-postgres client, as Sequelize's pool hands it out) and its ways back. */
export type PooledConnection = {
  connection: PooledPgConnection
  release: () => void
  /** Closes it instead: for a connection in an unknown state. */
  destroy: () => Promise<void>
}

export type CopiedRecords = {
  /** COPY's output: destroying it stops the query. */
  source: Readable
  /** The records with CRLF ends, to pipe `source` through. */
  records: CrlfRecords
  /** Rows written: COPY's own count once it has finished, else the record ends passed on. */
  rows: () => number
  /** Settles once the statement is over and its connection is back in the pool (or closed). */
  databaseDone: Promise<void>
}

/** A COPY … TO STDOUT on a pooled connection: its output, and when its connection is free again. */
export function copyOut({ connection, release, destroy }: PooledConnection, statement: string) {
  const copy = copyTo(statement)
  const databaseDone = new Promise<void>((resolve) => {
    let settled = false
    // node-postgres calls this on its active query at ReadyForQuery: after COPY's CommandComplete
    // (its row count) or its error, the connection is free again.
    ;(copy as unknown as { handleReadyForQuery: () => void }).handleReadyForQuery = () => {
      if (settled) return
      settled = true
      release()
      resolve()
    }
    // Destroyed midway (the client went away): the server is still sending; only closing the
    // connection stops it.
    copy.once('close', () => {
      if (settled || copy.readableEnded) return
      settled = true
      destroy().catch(() => undefined).finally(resolve)
    })
  })
  connection.query(copy)
  return { copy, databaseDone }
}

export function copyCsvRecords(pooled: PooledConnection, selectSql: string): CopiedRecords {
  const { copy, databaseDone } = copyOut(pooled, copyStatement(selectSql))
  const records = new CrlfRecords()
  return { source: copy, records, rows: () => copy.rowCount || records.records, databaseDone }
}
