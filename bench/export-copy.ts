import { PassThrough } from 'node:stream'
import { xlsxSheetWriter } from '../src/exports/copy-xlsx.js'
import { login, proxyHeaders, startApp } from './app-server.js'
import { clients } from './config.js'
import { bareCopy, downloadExport, exportSelectSql, withRssPeak } from './export.js'
import { firstAdminEmail, prepareDatabase } from './seed.js'

/**
 * The CSV and XLSX exports, old against new, in one run (issues #30, #28): the built server writing
 * every row in Node (EXPORT_COPY=false) and streaming PostgreSQL's COPY (the default), each a full
 * unfiltered download as an admin, interleaved, with the time to the first byte and the server's
 * RSS; and between them a bare `COPY (<the export's own SELECT>) TO STDOUT` read to the end by this
 * process, the ceiling (for the XLSX: its worksheet rows, not zipped), and that COPY zipped here
 * at deflate levels 1 and 6 (time against file size).
 * `BENCH_CLIENTS=100000 npx tsx bench/export-copy.ts` (after `npm run build`); ROUNDS=2 by default,
 * FORMATS=csv,xlsx by default.
 */

const rounds = Number(process.env.ROUNDS ?? 2)
const formats = (process.env.FORMATS ?? 'csv,xlsx').split(',') as ('csv' | 'xlsx')[]
const log = (message: string) => console.log(`[export-copy] ${message}`)

await prepareDatabase()

const csvSelect = await exportSelectSql(firstAdminEmail)
const xlsxSelect = await exportSelectSql(firstAdminEmail, 'xlsx')

type Result = { ms: number[]; firstMs: number[]; peakMb: number[]; beforeMb: number[]; bytes: number }
const results: Record<string, Result> = {}
const note = (name: string, ms: number, bytes: number, beforeMb = NaN, peakMb = NaN, firstMs = NaN) => {
  const result = (results[name] ??= { ms: [], firstMs: [], peakMb: [], beforeMb: [], bytes })
  result.ms.push(ms)
  result.firstMs.push(firstMs)
  result.peakMb.push(peakMb)
  result.beforeMb.push(beforeMb)
  log(
    `${name}: ${(ms / 1000).toFixed(2)} s, ${(bytes / 1024 ** 2).toFixed(1)} MB` +
      `${Number.isNaN(firstMs) ? '' : `, first byte ${firstMs.toFixed(0)} ms`}${Number.isNaN(peakMb) ? '' : `, RSS ${beforeMb.toFixed(0)} → peak ${peakMb.toFixed(0)} MB`}`,
  )
}

/** The worksheet's COPY zipped in this process, as the server does, at a deflate level. */
async function zippedCopy(level: number) {
  const out = new PassThrough()
  let bytes = 0
  out.on('data', (chunk: Buffer) => (bytes += chunk.length))
  const ended = new Promise((resolve) => out.on('end', resolve))
  const started = performance.now()
  await bareCopy(xlsxSelect.sql, 'xlsx', xlsxSheetWriter(xlsxSelect.columns, out, 'clients', level))
  await ended
  return { ms: performance.now() - started, bytes }
}

const rowsServer = await startApp({ EXPORT_COPY: 'false' })
const copyServer = await startApp()
try {
  const servers = { rows: rowsServer, copy: copyServer }
  for (let round = 0; round < rounds; round += 1) {
    for (const format of formats) {
      for (const name of ['rows', 'copy'] as const) {
        const server = servers[name]
        // A fresh session each time: on a loaded machine a round outlived the first one (a 401).
        const cookie = await login(server.url, firstAdminEmail)
        const { result, peakMb, beforeMb } = await withRssPeak(server.child.pid!, () =>
          downloadExport(server.url, { path: `/admin/exports/Client.${format}`, headers: { cookie, ...proxyHeaders } }),
        )
        if (result.status !== 200) throw new Error(`${name}: HTTP ${result.status}`)
        note(`${format} export, ${name === 'rows' ? 'row writer (old)' : 'COPY (new)'}`, result.totalMs, result.bytes, beforeMb, peakMb, result.firstByteMs)
      }
      const bare = await bareCopy(format === 'csv' ? csvSelect : xlsxSelect.sql, format)
      note(`${format}: bare COPY of the same SELECT`, bare.ms, bare.bytes)
      if (format === 'xlsx') {
        for (const level of [1, 6]) {
          const zipped = await zippedCopy(level)
          note(`xlsx: that COPY zipped in-process, level ${level}`, zipped.ms, zipped.bytes)
        }
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  console.log(`\n| ${clients.toLocaleString('en')} clients | median s (runs) | first byte ms | MB | rows/s | vs bare COPY | RSS before → peak MB |`)
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  for (const [name, result] of Object.entries(results)) {
    const bareMs = median(results[`${name.startsWith('csv') ? 'csv' : 'xlsx'}: bare COPY of the same SELECT`].ms)
    const ms = median(result.ms)
    const rss = result.peakMb.some((mb) => !Number.isNaN(mb))
      ? result.beforeMb.map((before, i) => `${before.toFixed(0)} → ${result.peakMb[i].toFixed(0)}`).join(', ')
      : '–'
    const first = result.firstMs.some((value) => !Number.isNaN(value)) ? median(result.firstMs).toFixed(0) : '–'
    console.log(
      `| ${name} | ${(ms / 1000).toFixed(2)} (${result.ms.map((m) => (m / 1000).toFixed(2)).join(', ')}) | ${first} | ${(result.bytes / 1024 ** 2).toFixed(1)} | ${Math.round(clients / (ms / 1000)).toLocaleString('en')} | ${((bareMs / ms) * 100).toFixed(0)} % | ${rss} |`,
    )
  }
} finally {
  await rowsServer.stop()
  await copyServer.stop()
}
