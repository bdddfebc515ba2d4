import fs from 'node:fs'
import { spawn } from 'node:child_process'
import { login, proxyHeaders, startApp, productionNodeArgs } from './app-server.js'
import { prepareReadDatabase } from './dashboard.js'
import { measure } from './load.js'
import { processCpuMs } from './processes.js'
import { firstAdminEmail, firstManagerEmail } from './seed.js'

/**
 * Where a read request's CPU goes, on-CPU only (issue #30): the built server with
 * `--perf-basic-prof-only-functions`, each scenario loaded by autocannon while `perf record -e
 * cpu-clock -g` samples the process. Unlike `node --cpu-prof` (bench/profile-read.ts), which samples
 * wall time and so charges the time the process sits preempted inside a socket write to `writev`
 * and `writeBuffer` (30-40 % of its samples on this shared 2-core machine), perf only counts time
 * on a CPU. Prints req/s and CPU ms per request (from /proc, including the load's warm-up second:
 * an upper bound); the perf.data files stay in OUT (default /tmp/read-perf) for
 * `perf report -i OUT/<scenario>.data --children --sort sym`. Needs perf and root (or
 * perf_event_paranoid ≤ 1). `ENTRY=<other dist/src/server.js>` profiles another build.
 * `BENCH_CLIENTS=20000 BENCH_SECONDS=6 SCENARIOS=list-admin,home-admin npx tsx bench/perf-read.ts`
 */

const seeded = await prepareReadDatabase()
const entry = process.env.ENTRY ?? 'dist/src/server.js'
const out = process.env.OUT ?? '/tmp/read-perf'
fs.mkdirSync(out, { recursive: true })
const app = await startApp({}, [...productionNodeArgs, '--perf-basic-prof-only-functions'], entry)
try {
  const admin = { cookie: await login(app.url, firstAdminEmail), ...proxyHeaders }
  const manager = { cookie: await login(app.url, firstManagerEmail), ...proxyHeaders }
  const scenarios = [
    { name: 'health', path: '/health', headers: proxyHeaders },
    { name: 'list-admin', path: '/admin/api/resources/Client/actions/list?page=1', headers: admin },
    { name: 'list-manager', path: '/admin/api/resources/Client/actions/list?page=1', headers: manager },
    { name: 'show', path: `/admin/api/resources/Client/records/${seeded.showId}/show`, headers: admin },
    { name: 'home-admin', path: '/admin/api/dashboard', headers: admin },
    { name: 'home-manager', path: '/admin/api/dashboard', headers: manager },
  ].filter((s) => !process.env.SCENARIOS || process.env.SCENARIOS.split(',').includes(s.name))
  for (const s of scenarios) {
    await measure(app.url, { path: s.path, headers: s.headers }) // JIT warm-up, not recorded
    const pid = app.child.pid!
    const rec = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', String(pid), '-o', `${out}/${s.name}.data`], { stdio: 'ignore' })
    await new Promise((r) => setTimeout(r, 300))
    const before = processCpuMs(pid)
    const m = await measure(app.url, { path: s.path, headers: s.headers })
    const used = processCpuMs(pid) - before
    rec.kill('SIGINT')
    await new Promise((r) => rec.once('exit', r))
    console.log(`${s.name}: ${m.rps.toFixed(0)} req/s p50 ${m.p50} p99 ${m.p99} ms, ${m.requests} req, CPU ${(used / m.requests).toFixed(2)} ms/req (upper bound)`)
  }
} finally {
  await app.stop()
}
