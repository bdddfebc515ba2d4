import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { createApp, createLogger } from '../src/app/app.js'
import { parseConfig } from '../src/config/env.js'
import { openDatabase } from '../src/db/database.js'
import { copySelectSql, copyStatement } from '../src/exports/copy-csv.js'
import { XLSX_COPY_SETTINGS, xlsxCopyStatement } from '../src/exports/copy-xlsx.js'
import { csvColumns, type CsvColumn } from '../src/exports/csv-columns.js'
import { xlsxSelectSql } from '../src/exports/xlsx-cell-sql.js'
import { listSort } from '../src/panel/actions/list-action.js'
import type { AppResource } from '../src/panel/adapter/app-resource.js'
import { clientDefinition } from '../src/resources/client/client.fields.js'
import { benchUrl } from './config.js'
import type { Request } from './load.js'
import { rssMb } from './processes.js'

// The CSV export scenario: one full download timed (first byte, total, the server's RSS peak), and
// downloads back to back in the background while the list is measured.

export type ExportRun = { firstByteMs: number; totalMs: number; bytes: number; status: number }

/** One download, read to the end and dropped as it comes (the bench holds none of it). */
export async function downloadExport(baseUrl: string, request: Request): Promise<ExportRun> {
  const started = performance.now()
  const response = await fetch(baseUrl + request.path, { headers: request.headers, redirect: 'manual' })
  const reader = response.body!.getReader()
  let firstByteMs = NaN
  let bytes = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (bytes === 0) firstByteMs = performance.now() - started
    bytes += value.byteLength
  }
  return { firstByteMs, totalMs: performance.now() - started, bytes, status: response.status }
}

/** Peak RSS of a process while `work` runs, sampled every 50 ms. */
export async function withRssPeak<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMb: number; beforeMb: number }> {
  const beforeMb = rssMb(pid) ?? NaN
  let peakMb = beforeMb
  const timer = setInterval(() => {
    const now = rssMb(pid)
    if (now !== undefined && now > peakMb) peakMb = now
  }, 50)
  try {
    return { result: await work(), peakMb, beforeMb }
  } finally {
    clearInterval(timer)
  }
}

/** Runs `measure` while full exports download one after another; returns both. */
export async function whileExporting<T>(baseUrl: string, request: Request, measure: () => Promise<T>) {
  let stop = false
  let completed = 0
  let failed = 0
  const loop = (async () => {
    while (!stop) {
      const run = await downloadExport(baseUrl, request).catch(() => undefined)
      if (run?.status === 200) completed += 1
      else failed += 1
    }
  })()
  try {
    return { measured: await measure(), exports: () => ({ completed, failed }) }
  } finally {
    stop = true
    await loop
  }
}

/**
 * The SELECT an admin's full unfiltered export hands to COPY, built as the route builds it (by an
 * app opened in this process on the bench database for the purpose, then closed): the CSV's, or
 * the XLSX worksheet's rows with the columns.
 */
export async function exportSelectSql(adminEmail: string): Promise<string>
export async function exportSelectSql(adminEmail: string, format: 'xlsx'): Promise<{ sql: string; columns: CsvColumn[] }>
export async function exportSelectSql(adminEmail: string, format: 'csv' | 'xlsx' = 'csv'): Promise<string | { sql: string; columns: CsvColumn[] }> {
  const config = parseConfig({ ...process.env, DATABASE_URL: benchUrl, NODE_ENV: 'test', LOG_LEVEL: 'silent', BCRYPT_ROUNDS: '4' })
  const db = await openDatabase(config)
  try {
    const app = await createApp(config, db, createLogger({ logLevel: 'silent' }))
    try {
      const resource = app.admin.findResource('Client') as AppResource
      const { columns } = csvColumns(clientDefinition, resource)
      const admin = { id: 0, email: adminEmail, name: 'bench', role: 'admin' }
      const select = format === 'csv' ? copySelectSql : xlsxSelectSql
      const sql = select(resource, columns, resource.whereFor({}, admin as never), listSort(resource, {}))
      if (!sql) throw new Error('the export has a column without an SQL form: it does not use COPY')
      return format === 'csv' ? sql : { sql, columns }
    } finally {
      await app.close()
    }
  } finally {
    await db.close()
  }
}

/**
 * PostgreSQL's own speed for that file: `COPY (<sql>) TO STDOUT` (the CSV's, or the worksheet
 * rows' with `format: 'xlsx'`) read to the end and dropped, on a connection of its own; or handed
 * to `sink` as it comes.
 */
export async function bareCopy(sql: string, format: 'csv' | 'xlsx' = 'csv', sink?: NodeJS.WritableStream): Promise<{ ms: number; bytes: number; rows: number }> {
  const client = new pg.Client({ connectionString: benchUrl })
  await client.connect()
  try {
    // As the server runs it (copy-xlsx.ts).
    if (format === 'xlsx') for (const [name, value] of XLSX_COPY_SETTINGS) await client.query(`SET ${name} = ${value}`)
    const started = performance.now()
    const stream = client.query(copyTo(format === 'csv' ? copyStatement(sql) : xlsxCopyStatement(sql)))
    let bytes = 0
    if (sink) {
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length))
      await pipeline(stream, sink)
    } else for await (const chunk of stream) bytes += (chunk as Buffer).length
    return { ms: performance.now() - started, bytes, rows: stream.rowCount }
  } finally {
    await client.end()
  }
}
