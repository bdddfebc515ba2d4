import { spawnSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { login, proxyHeaders, startApp } from './app-server.js'
import { clients, filters } from './config.js'
import { measure, sample, type Measured } from './load.js'
import { processCpuMs, startBaseline, type Child } from './processes.js'
import { firstAdminEmail } from './seed.js'

/**
 * An interleaved A/B of the searched and company-filtered lists (issue #26): built servers
 * (APP_DISTS, comma-separated dist folders, default `dist`) against the bare-pg baseline (which runs
 * bench/sql.ts, the current SQL), each scenario measured on every server in turn, ROUNDS times.
 * Unlike bench/read-ab.ts it writes nothing to the bench database but the sessions of its logins:
 * the database must already be seeded (`npm run bench` once).
 * Besides req/s and p99 it reports the CPU per request of each server process and of the
 * PostgreSQL backends serving its pool (found by their sockets, `ss -tnp`), over CPU_REQUESTS
 * requests at 5 at a time: the SQL's cost shows there, and CPU time moves much less than req/s
 * when other work shares the cores.
 * `APP_DISTS=/tmp/old/dist,dist ROUNDS=4 BENCH_SECONDS=5 BENCH_WARMUP=1 npx tsx bench/search-ab.ts` (after `npm run build`).
 */

/** The PostgreSQL backends whose clients are sockets of process `pid`. */
function backendsOf(pid: number): number[] {
  const lines = spawnSync('ss', ['-tnpH', 'state', 'established'], { encoding: 'utf8' }).stdout.split('\n')
  const ports = new Set(lines.filter((line) => line.includes(`pid=${pid},`) && / \S+:5432 /.test(line)).map((line) => line.trim().split(/\s+/)[2].split(':').pop()))
  return lines
    .filter((line) => line.includes('"postgres"') && ports.has(line.trim().split(/\s+/)[3]?.split(':').pop()))
    .map((line) => Number(/pid=(\d+)/.exec(line)?.[1]))
}

const cpuRequests = Number(process.env.CPU_REQUESTS ?? 300)
/** CPU ms per request of a server and of its PostgreSQL backends. */
async function cpuPerRequest(pid: number, url: string, headers: Record<string, string> = {}) {
  // A pool closes connections it has not used for a while; their backends used nothing since.
  const cpuOf = (each: number) => {
    try {
      return processCpuMs(each)
    } catch {
      return undefined
    }
  }
  // Its pool opens connections as load needs them: warm it first, then count the same backends.
  await Promise.all(Array.from({ length: 5 }, async () => (await fetch(url, { headers })).arrayBuffer()))
  const backends = backendsOf(pid)
  const before = { own: processCpuMs(pid), db: backends.map(cpuOf) }
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      for (let i = 0; i < cpuRequests / 5; i += 1) await (await fetch(url, { headers })).arrayBuffer()
    }),
  )
  const db = backends.reduce((sum, each, i) => sum + (cpuOf(each) ?? before.db[i] ?? 0) - (before.db[i] ?? 0), 0)
  return { own: (processCpuMs(pid) - before.own) / cpuRequests, db: db / cpuRequests, backends: backends.length }
}
const cpuText = ({ own, db, backends }: Awaited<ReturnType<typeof cpuPerRequest>>) =>
  `${own.toFixed(2)} + ${db.toFixed(2)} ms in pg (${backends} backends)`

const rounds = Number(process.env.ROUNDS ?? 2)
const dists = (process.env.APP_DISTS ?? 'dist').split(',')
const baseline = await startBaseline()
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
      const cpu = [`${scenario.name} r${round + 1} CPU per request: baseline ${cpuText(await cpuPerRequest(baseline.child.pid!, baseline.url + basePath))}`]
      for (const app of round % 2 ? [...apps].reverse() : apps) {
        cpu.push(`${app.dist} ${cpuText(await cpuPerRequest(app.child.child.pid!, app.child.url + appPath, app.admin))}`)
      }
      console.log(cpu.join(' | '))
    }
  }
} finally {
  for (const app of apps) await app.child.stop()
  await baseline.stop()
}
