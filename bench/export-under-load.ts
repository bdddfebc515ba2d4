/**
 * List page 1 while full CSV exports run back to back, while ten users hold export downloads they
 * do not read, and during an all-matching bulk edit of 10,000 clients, against list page 1 idle on
 * the same server (measured after a warm-up, and again at the end), at BENCH_CLIENTS (issue #25:
 * everyone else's list p99 ≤ 2× idle while one user exports or bulk-edits). Each phase also gives
 * the server's CPU per list request and that of its PostgreSQL backends (found by the server's
 * application_name, so other sessions' backends on a shared machine do not count).
 * A quicker loop than `npm run bench` for tuning how bulk work yields to interactive requests:
 * `BENCH_CLIENTS=1000000 npx tsx bench/export-under-load.ts` (the database must be seeded by an
 * earlier `npm run bench` with the same BENCH_CLIENTS).
 * - BENCH_ONLY=exports,stalled,bulkEdit: which phases run (all by default).
 * - BENCH_ENTRIES=dist-before/src/server.js,dist/src/server.js and BENCH_ROUNDS=3: builds side by
 *   side, round by round, every other round in the other order (a copy of an older build's dist/
 *   beside dist/ runs as it is).
 * - BENCH_APP_ENV='NAME=value NAME=value': extra server settings; BENCH_NODE_ARGS replaces the server's Node options.
 */
import os from 'node:os'
import pg from 'pg'
import { login } from './app-server.js'
import { buildsInTurn } from './builds-in-turn.js'
import { bulkEditScenario } from './bulk-edit.js'
import { benchUrl } from './config.js'
import { whileExporting } from './export.js'
import { stalledExport } from './isolation.js'
import { measure, type Measured, type Request } from './load.js'
import { backendCpuWhile, buildIfNeeded, processCpuMs, sleep } from './processes.js'

const extraEnv = Object.fromEntries((process.env.BENCH_APP_ENV ?? '').split(' ').filter(Boolean).map((pair) => pair.split('=') as [string, string]))
const only = new Set((process.env.BENCH_ONLY ?? 'exports,stalled,bulkEdit').split(',').filter(Boolean))
const writeTimeoutSeconds = Number(extraEnv.EXPORT_WRITE_TIMEOUT_SECONDS ?? 30)
if (!process.env.BENCH_ENTRIES) buildIfNeeded()

const db = new pg.Pool({ connectionString: benchUrl, max: 2 })
const applicationName = `bench-under-load-${process.pid}`
// As `npm run bench`: the three admins and seven managers open a download each.
const stallers = ['admin1', 'admin2', 'admin3', 'manager01', 'manager02', 'manager03', 'manager04', 'manager05', 'manager06', 'manager07'].map((name) => `${name}@bench.example`)

type Phase = { measured: Measured; nodeMs: number; pgMs: number; note?: string }

/** `work` (which measures the list) with the server's and its backends' CPU per list request meanwhile. */
async function withCpu(pid: number, work: () => Promise<{ measured: Measured; note?: string }>): Promise<Phase> {
  const cpu = processCpuMs(pid)
  const { result, backendCpuMs } = await backendCpuWhile(db, applicationName, work)
  const requests = result.measured.requests
  return { ...result, nodeMs: (processCpuMs(pid) - cpu) / requests, pgMs: backendCpuMs / requests }
}

const show = (name: string, phase: Phase, idle?: Measured) =>
  `${name}: p99 ${phase.measured.p99} ms${idle ? ` (${(phase.measured.p99 / idle.p99).toFixed(2)}×)` : ''}, p50 ${phase.measured.p50}, ${phase.measured.rps.toFixed(0)} req/s, ` +
  `CPU per list request: node ${phase.nodeMs.toFixed(2)} + backends ${phase.pgMs.toFixed(2)} ms${phase.note ? `; ${phase.note}` : ''}`

try {
  await buildsInTurn(async ({ app, entry, round, headers }) => {
    const pid = app.child.pid!
    const list: Request = { path: '/admin/api/resources/Client/actions/list?page=1', headers }
    const load = os.loadavg()[0].toFixed(1)
    // A fresh server's first seconds are slower (V8 compiling the hot paths): not the idle to compare with.
    await measure(app.url, list)
    const idle = await withCpu(pid, async () => ({ measured: await measure(app.url, list) }))
    const out = [`round ${round} ${entry} (load ${load}, env ${JSON.stringify(extraEnv)}):`, show('idle', idle)]
    if (only.has('exports')) {
      // CPU counted while the list is measured only: the last download then finishes at full speed.
      const run = await whileExporting(app.url, { path: '/admin/exports/Client.csv', headers }, () => withCpu(pid, async () => ({ measured: await measure(app.url, list) })))
      const { completed, failed } = run.exports()
      out.push(show('exports running', { ...run.measured, note: `exports ${completed} completed, ${failed} failed` }, idle.measured))
    }
    if (only.has('stalled')) {
      const cookies = await Promise.all(stallers.map((email) => login(app.url, email)))
      const opened = performance.now()
      const stalled = cookies.map((cookie) => stalledExport(app.url, '/admin/exports/Client.csv', cookie))
      try {
        // The admitted downloads have their heads; one more may wait for a connection (then a 429).
        await Promise.race([Promise.all(stalled.map((download) => download.status)), sleep(2_000)])
        await sleep(1_000)
        // What the held downloads cost by themselves: the server's and its backends' CPU with no request in flight.
        const quietCpu = processCpuMs(pid)
        const quiet = await backendCpuWhile(db, applicationName, () => sleep(5_000))
        out.push(`10 stalled exports, no other request: server ${processCpuMs(pid) - quietCpu} ms and backends ${quiet.backendCpuMs} ms of CPU in 5 s`)
        const during = await withCpu(pid, async () => ({ measured: await measure(app.url, list) }))
        const statuses = await Promise.all(stalled.map((download) => Promise.race([download.status, sleep(1).then(() => 'pending')])))
        during.note = `measured within ${((performance.now() - opened) / 1000).toFixed(0)} s of opening (write timeout ${writeTimeoutSeconds} s); answers ${statuses.join(',')}`
        out.push(show('10 stalled exports', during, idle.measured))
      } finally {
        for (const download of stalled) download.close()
      }
      await sleep(1_000)
    }
    if (only.has('bulkEdit')) {
      const notes: string[] = []
      let bulk: Awaited<ReturnType<typeof bulkEditScenario>> | undefined
      const during = await withCpu(pid, async () => {
        bulk = await bulkEditScenario({ baseUrl: app.url, headers, list, idle: idle.measured, db, log: (message) => notes.push(message) })
        return { measured: bulk.row.app }
      })
      during.note = bulk!.checks[0].value
      out.push(show('bulk edit', during, idle.measured))
    }
    const idleAfter = await withCpu(pid, async () => ({ measured: await measure(app.url, list) }))
    out.push(show('idle again', idleAfter, idle.measured))
    return out.join('\n  ')
  }, { ...extraEnv, DATABASE_URL: `${benchUrl}?application_name=${applicationName}` })
} finally {
  await db.end()
}
