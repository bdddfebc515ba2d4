import { login, proxyHeaders, startApp } from './app-server.js'
import { clients } from './config.js'
import { bareCopy, downloadExport, exportSelectSql, withRssPeak } from './export.js'
import { firstAdminEmail, prepareDatabase } from './seed.js'

/**
 * The CSV export, old against new, in one run (issue #30): the built server writing every row in
 * Node (EXPORT_COPY=false) and streaming PostgreSQL's COPY (the default), each a full unfiltered
 * download as an admin, interleaved, with the server's RSS; and between them a bare
 * `COPY (<the export's own SELECT>) TO STDOUT` read to the end by this process, the ceiling.
 * `BENCH_CLIENTS=100000 npx tsx bench/export-copy.ts` (after `npm run build`); ROUNDS=2 by default.
 */

const rounds = Number(process.env.ROUNDS ?? 2)
const log = (message: string) => console.log(`[export-copy] ${message}`)

await prepareDatabase()

const exportSelect = await exportSelectSql(firstAdminEmail)

const rowsServer = await startApp({ EXPORT_COPY: 'false' })
const copyServer = await startApp()
try {
  const servers = { rows: rowsServer, copy: copyServer }
  const cookies = { rows: await login(rowsServer.url, firstAdminEmail), copy: await login(copyServer.url, firstAdminEmail) }
  const results: Record<string, { ms: number[]; peakMb: number[]; beforeMb: number[]; bytes: number }> = {}
  const note = (name: string, ms: number, bytes: number, beforeMb = NaN, peakMb = NaN) => {
    const result = (results[name] ??= { ms: [], peakMb: [], beforeMb: [], bytes })
    result.ms.push(ms)
    result.peakMb.push(peakMb)
    result.beforeMb.push(beforeMb)
    log(`${name}: ${(ms / 1000).toFixed(2)} s, ${(bytes / 1024 ** 2).toFixed(1)} MB${Number.isNaN(peakMb) ? '' : `, RSS ${beforeMb.toFixed(0)} → peak ${peakMb.toFixed(0)} MB`}`)
  }
  for (let round = 0; round < rounds; round += 1) {
    for (const name of ['rows', 'copy'] as const) {
      const server = servers[name]
      const { result, peakMb, beforeMb } = await withRssPeak(server.child.pid!, () =>
        downloadExport(server.url, { path: '/admin/exports/Client.csv', headers: { cookie: cookies[name], ...proxyHeaders } }),
      )
      if (result.status !== 200) throw new Error(`${name}: HTTP ${result.status}`)
      note(`export, ${name === 'rows' ? 'row writer (old)' : 'COPY (new)'}`, result.totalMs, result.bytes, beforeMb, peakMb)
    }
    const bare = await bareCopy(exportSelect)
    note('bare COPY of the same SELECT', bare.ms, bare.bytes)
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  const bareMs = median(results['bare COPY of the same SELECT'].ms)
  console.log(`\n| ${clients.toLocaleString('en')} clients | median s (runs) | MB | rows/s | vs bare COPY | RSS before → peak MB |`)
  console.log('|---|---:|---:|---:|---:|---:|')
  for (const [name, result] of Object.entries(results)) {
    const ms = median(result.ms)
    const rss = result.peakMb.some((mb) => !Number.isNaN(mb))
      ? result.beforeMb.map((before, i) => `${before.toFixed(0)} → ${result.peakMb[i].toFixed(0)}`).join(', ')
      : '–'
    console.log(
      `| ${name} | ${(ms / 1000).toFixed(2)} (${result.ms.map((m) => (m / 1000).toFixed(2)).join(', ')}) | ${(result.bytes / 1024 ** 2).toFixed(1)} | ${Math.round(clients / (ms / 1000)).toLocaleString('en')} | ${((bareMs / ms) * 100).toFixed(0)} % | ${rss} |`,
    )
  }
} finally {
  await rowsServer.stop()
  await copyServer.stop()
}
