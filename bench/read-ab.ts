import os from 'node:os'
import path from 'node:path'
import { login, proxyHeaders, startApp } from './app-server.js'
import { clients } from './config.js'
import { prepareReadDatabase } from './dashboard.js'
import { measure, sample, type Measured, type Request } from './load.js'
import { processCpuMs, startBaseline, type Child } from './processes.js'
import { firstAdminEmail, firstManagerEmail } from './seed.js'

/**
 * A quick interleaved A/B of the read routes (issue #30): one or more built servers (APP_DISTS,
 * comma-separated dist folders, default `dist`; `dist#<node options>` runs a folder under other
 * Node options than the Procfile's) against the bare-pg baseline (BASELINE_PREPARED=1: with its statements prepared, see sql.ts), each scenario
 * measured on every server in turn, ROUNDS times, so that all of them see the same machine.
 * Reports each server's req/s and p99 as a share of the baseline's in the same round, and the CPU
 * each server process spends per request (from /proc, over CPU_REQUESTS requests at 5 at a time):
 * on a machine shared with other work, CPU time per request moves much less than req/s does.
 * `BENCH_CLIENTS=100000 BENCH_SECONDS=3 BENCH_WARMUP=1 npx tsx bench/read-ab.ts` (after `npm run build`).
 */

const rounds = Number(process.env.ROUNDS ?? 2)
const dists = (process.env.APP_DISTS ?? 'dist').split(',')
const seeded = await prepareReadDatabase()

const cpuRequests = Number(process.env.CPU_REQUESTS ?? 300)
async function cpuPerRequest(child: Child, request: Request) {
  const before = processCpuMs(child.child.pid!)
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      for (let i = 0; i < cpuRequests / 5; i += 1) await (await fetch(child.url + request.path, { headers: request.headers })).arrayBuffer()
    }),
  )
  return (processCpuMs(child.child.pid!) - before) / cpuRequests
}

const baseline = await startBaseline()
const apps: { dist: string; child: Child; admin: Record<string, string>; manager: Record<string, string> }[] = []
try {
  for (const dist of dists) {
    // `dist#--max-semi-space-size=8`: the same build under other Node options (space-separated).
    const [folder, options] = dist.split('#')
    const child = await startApp({}, options === undefined ? undefined : options.split(' ').filter(Boolean), path.join(folder, 'src/server.js'))
    apps.push({
      dist,
      child,
      admin: { cookie: await login(child.url, firstAdminEmail), ...proxyHeaders },
      manager: { cookie: await login(child.url, firstManagerEmail), ...proxyHeaders },
    })
  }
  const manager = seeded.managers[0].id
  const scenarios: { name: string; app: (h: (typeof apps)[number]) => Request; baseline: Request }[] = [
    { name: 'list page 1 (admin)', app: (h) => ({ path: '/admin/api/resources/Client/actions/list?page=1', headers: h.admin }), baseline: { path: '/list?page=1' } },
    { name: 'list page 1 (manager)', app: (h) => ({ path: '/admin/api/resources/Client/actions/list?page=1', headers: h.manager }), baseline: { path: `/list?page=1&managerId=${manager}` } },
    { name: 'show one client', app: (h) => ({ path: `/admin/api/resources/Client/records/${seeded.showId}/show`, headers: h.admin }), baseline: { path: `/show/${seeded.showId}` } },
    { name: 'home page data (admin)', app: (h) => ({ path: '/admin/api/dashboard', headers: h.admin }), baseline: { path: '/dashboard' } },
    { name: 'home page data (manager)', app: (h) => ({ path: '/admin/api/dashboard', headers: h.manager }), baseline: { path: `/dashboard?managerId=${manager}` } },
  ]
  const only = process.env.SCENARIOS?.split(',')
  console.log(`load average before: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${clients} clients; servers: ${dists.join(', ')}`)
  for (const scenario of scenarios) {
    if (only && !only.some((name) => scenario.name.includes(name))) continue
    for (const app of apps) {
      const { status, bytes } = await sample(app.child.url, scenario.app(app))
      if (status !== 200) throw new Error(`${scenario.name} on ${app.dist}: HTTP ${status}`)
      console.log(`${scenario.name}, ${app.dist}: ${bytes} bytes (baseline ${(await sample(baseline.url, scenario.baseline)).bytes})`)
    }
    for (let round = 0; round < rounds; round += 1) {
      const base: Measured = await measure(baseline.url, scenario.baseline)
      const line = [`${scenario.name} r${round + 1}: baseline ${base.rps.toFixed(0)} req/s p99 ${base.p99} ms`]
      for (const app of round % 2 ? [...apps].reverse() : apps) {
        const m = await measure(app.child.url, scenario.app(app))
        line.push(`${app.dist} ${m.rps.toFixed(0)} req/s (${((m.rps / base.rps) * 100).toFixed(0)} %) p99 ${m.p99} ms (${(m.p99 / Math.max(base.p99, 1)).toFixed(1)}×)${m.bad ? ` ${m.bad} bad` : ''}`)
      }
      console.log(`${line.join(' | ')} | load ${os.loadavg()[0].toFixed(1)}`)
      const cpu = [`${scenario.name} r${round + 1} CPU per request: baseline ${(await cpuPerRequest(baseline, scenario.baseline)).toFixed(2)} ms`]
      for (const app of apps) cpu.push(`${app.dist} ${(await cpuPerRequest(app.child, scenario.app(app))).toFixed(2)} ms`)
      console.log(cpu.join(' | '))
    }
  }
} finally {
  for (const app of apps) await app.child.stop()
  await baseline.stop()
}

