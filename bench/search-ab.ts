import os from 'node:os'
import path from 'node:path'
import { login, proxyHeaders, startApp } from './app-server.js'
import { benchUrl, clients, filters } from './config.js'
import { measure, sample, type Measured } from './load.js'
import { freePort, startChild, type Child } from './processes.js'
import { firstAdminEmail } from './seed.js'

/**
 * An interleaved A/B of the searched and company-filtered lists (issue #26): built servers
 * (APP_DISTS, comma-separated dist folders, default `dist`) against the bare-pg baseline (which runs
 * bench/sql.ts, the current SQL), each scenario measured on every server in turn, ROUNDS times.
 * Unlike bench/read-ab.ts it writes nothing to the bench database but the sessions of its logins:
 * the database must already be seeded (`npm run bench` once).
 * `APP_DISTS=/tmp/old/dist,dist ROUNDS=4 BENCH_SECONDS=5 BENCH_WARMUP=1 npx tsx bench/search-ab.ts` (after `npm run build`).
 */

const rounds = Number(process.env.ROUNDS ?? 2)
const dists = (process.env.APP_DISTS ?? 'dist').split(',')
const baselinePort = await freePort()
const baseline = await startChild(
  'baseline',
  [process.execPath, '--import', 'tsx', 'bench/baseline-server.ts'],
  { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: benchUrl, PORT: String(baselinePort) },
  baselinePort,
  '/health',
)
const apps: { dist: string; child: Child; admin: Record<string, string> }[] = []
try {
  for (const dist of dists) {
    const child = await startApp({}, undefined, path.join(dist, 'src/server.js'))
    apps.push({ dist, child, admin: { cookie: await login(child.url, firstAdminEmail), ...proxyHeaders } })
  }
  const scenarios = [
    { name: `searched: q = "${filters.search}"`, query: `q=${encodeURIComponent(filters.search)}` },
    { name: `filtered: company ~ "${filters.company}"`, query: `filters.company=${encodeURIComponent(filters.company)}` },
  ]
  console.log(`load average before: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${clients} clients; servers: ${dists.join(', ')}`)
  for (const scenario of scenarios) {
    const appPath = `/admin/api/resources/Client/actions/list?page=1&${scenario.query}`
    const basePath = `/list?page=1&${scenario.query.replace('filters.', '')}`
    for (const app of apps) {
      const { status, text } = await sample(app.child.url, { path: appPath, headers: app.admin })
      if (status !== 200) throw new Error(`${scenario.name} on ${app.dist}: HTTP ${status}`)
      console.log(`${scenario.name}, ${app.dist}: total ${JSON.parse(text).meta.total}`)
    }
    for (let round = 0; round < rounds; round += 1) {
      const base: Measured = await measure(baseline.url, { path: basePath })
      const line = [`${scenario.name} r${round + 1}: baseline ${base.rps.toFixed(0)} req/s p50 ${base.p50} p99 ${base.p99} ms`]
      for (const app of round % 2 ? [...apps].reverse() : apps) {
        const m = await measure(app.child.url, { path: appPath, headers: app.admin })
        line.push(`${app.dist} ${m.rps.toFixed(0)} req/s p50 ${m.p50} p99 ${m.p99} ms${m.bad ? ` ${m.bad} bad` : ''}`)
      }
      console.log(`${line.join(' | ')} | load ${os.loadavg()[0].toFixed(1)}`)
    }
  }
} finally {
  for (const app of apps) await app.child.stop()
  await baseline.stop()
}
