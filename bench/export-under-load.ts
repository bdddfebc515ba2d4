/**
 * List page 1 while full CSV exports run back to back, and during an all-matching bulk edit of
 * 10,000 clients, against list page 1 idle, on the built
 * server at BENCH_CLIENTS (issue #25: everyone else's list p99 ≤ 2× idle while one user exports).
 * A quicker loop than `npm run bench` for tuning how bulk work yields to interactive requests:
 * `BENCH_CLIENTS=1000000 BENCH_SECONDS=10 npx tsx bench/export-under-load.ts` (the database must be
 * seeded by an earlier `npm run bench` with the same BENCH_CLIENTS). Extra server settings can be
 * passed as BENCH_APP_ENV='NAME=value NAME=value', and another build's server as BENCH_ENTRY.
 */
import pg from 'pg'
import { login, proxyHeaders, startApp } from './app-server.js'
import { bulkEditScenario } from './bulk-edit.js'
import { benchUrl } from './config.js'
import { whileExporting } from './export.js'
import { measure } from './load.js'
import { buildIfNeeded } from './processes.js'
import { firstAdminEmail } from './seed.js'

const extraEnv = Object.fromEntries((process.env.BENCH_APP_ENV ?? '').split(' ').filter(Boolean).map((pair) => pair.split('=') as [string, string]))
await buildIfNeeded()
// BENCH_ENTRY: another build's server (an A/B against an older commit's dist/).
const app = await startApp(extraEnv, undefined, process.env.BENCH_ENTRY ?? 'dist/src/server.js')
try {
  const headers = { cookie: await login(app.url, firstAdminEmail), ...proxyHeaders }
  const list = { path: '/admin/api/resources/Client/actions/list?page=1', headers }
  const idle = await measure(app.url, list)
  const busy = await whileExporting(app.url, { path: '/admin/exports/Client.csv', headers }, () => measure(app.url, list))
  const exports = busy.exports()
  const db = new pg.Pool({ connectionString: benchUrl, max: 2 })
  const bulkEdit = await bulkEditScenario({ baseUrl: app.url, headers, list, idle, db, log: (message) => console.log(`[bench] ${message}`) }).finally(() => db.end())
  const rows = [
    ['list page 1, idle', idle.rps.toFixed(0), idle.p50.toFixed(1), idle.p99.toFixed(1), '–'],
    ['list page 1, exports running', busy.measured.rps.toFixed(0), busy.measured.p50.toFixed(1), busy.measured.p99.toFixed(1), `${(busy.measured.p99 / idle.p99).toFixed(1)}×`],
    [bulkEdit.row.name, bulkEdit.row.app.rps.toFixed(0), bulkEdit.row.app.p50.toFixed(1), bulkEdit.row.app.p99.toFixed(1), `${(bulkEdit.row.app.p99 / idle.p99).toFixed(1)}×`],
  ]
  console.log('| scenario | req/s | p50 ms | p99 ms | p99 vs idle |\n|---|---:|---:|---:|---:|')
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
  console.log(bulkEdit.checks.map((check) => `${check.label}: ${check.value} (${check.target})`).join('\n'))
  console.log(`exports meanwhile: ${exports.completed} completed, ${exports.failed} failed; server env: ${JSON.stringify(extraEnv)}`)
} finally {
  await app.stop()
}
