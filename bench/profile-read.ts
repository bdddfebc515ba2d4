import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { login, productionNodeArgs, proxyHeaders, startApp } from './app-server.js'
import { clients } from './config.js'
import { measure, type Request } from './load.js'
import { summarizeProfile, type Profile } from './cpu-profile.js'
import { prepareReadDatabase } from './dashboard.js'
import { firstAdminEmail, firstManagerEmail } from './seed.js'

/**
 * Where a read request's CPU goes (issue #30): the built server under `node --cpu-prof`, one
 * server process per scenario (list page 1 as an admin and as a manager, show, the home page's
 * data), each loaded by autocannon; then the profile's top frames by self time, and by package.
 * `BENCH_CLIENTS=100000 BENCH_SECONDS=10 npx tsx bench/profile-read.ts` (after `npm run build`);
 * APP_ENTRY=<another build's server.js> profiles that build, SCENARIOS=show only those scenarios.
 * The .cpuprofile files stay in the printed folder (Chrome DevTools opens them).
 */

const TOP = Number(process.env.TOP ?? 15)

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // clock ticks (USER_HZ 100)
}

// With a change history, as the home page's latest changes need one.
await prepareReadDatabase()
const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'read-profile-'))
const scenarios: { name: string; request: (headers: { admin: Record<string, string>; manager: Record<string, string> }) => Request }[] = [
  { name: 'list page 1 (admin)', request: (h) => ({ path: '/admin/api/resources/Client/actions/list?page=1', headers: h.admin }) },
  { name: 'list page 1 (manager)', request: (h) => ({ path: '/admin/api/resources/Client/actions/list?page=1', headers: h.manager }) },
  { name: 'show one client', request: (h) => ({ path: `/admin/api/resources/Client/records/${Math.floor(clients / 2)}/show`, headers: h.admin }) },
  { name: 'home page data (admin)', request: (h) => ({ path: '/admin/api/dashboard', headers: h.admin }) },
  { name: 'home page data (manager)', request: (h) => ({ path: '/admin/api/dashboard', headers: h.manager }) },
]
const only = process.env.SCENARIOS?.split(',')

for (const scenario of scenarios) {
  if (only && !only.some((name) => scenario.name.includes(name))) continue
  const dir = path.join(profileDir, scenario.name.replace(/\W+/g, '-'))
  const spawned = performance.now()
  const app = await startApp({}, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...productionNodeArgs], process.env.APP_ENTRY)
  let measured
  let loadFromMs
  let cpuUsedMs
  try {
    const headers = {
      admin: { cookie: await login(app.url, firstAdminEmail), ...proxyHeaders },
      manager: { cookie: await login(app.url, firstManagerEmail), ...proxyHeaders },
    }
    loadFromMs = performance.now() - spawned
    const cpuBefore = cpuMs(app.child.pid!)
    measured = await measure(app.url, scenario.request(headers))
    cpuUsedMs = cpuMs(app.child.pid!) - cpuBefore
  } finally {
    await app.stop()
  }
  const file = fs.readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
  if (!file) throw new Error(`${scenario.name}: no profile written in ${dir}`)
  const summary = summarizeProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Profile, loadFromMs, TOP)
  console.log(`\n### ${scenario.name}: ${measured.rps.toFixed(0)} req/s, p99 ${measured.p99} ms, ${measured.requests} requests, ${measured.bad} bad`)
  console.log(
    `Server CPU under load (samples, warm-up and measurement; /proc): ${(cpuUsedMs / 1000).toFixed(1)} s; profile from the first sample request on: ${(summary.busyMs / 1000).toFixed(1)} s busy of ${(summary.totalMs / 1000).toFixed(1)} s; measured: ${measured.requests} requests`,
  )
  console.log('\n| self % | frame |\n|---:|---|')
  for (const frame of summary.frames) console.log(`| ${(frame.share * 100).toFixed(1)} | \`${frame.name}\` |`)
  console.log('\n| self % | package / folder |\n|---:|---|')
  for (const pkg of summary.packages) console.log(`| ${(pkg.share * 100).toFixed(1)} | ${pkg.name} |`)
  console.log('\n| on stack % | package / folder (with all it calls) |\n|---:|---|')
  for (const pkg of summary.onStack) console.log(`| ${(pkg.share * 100).toFixed(1)} | ${pkg.name} |`)
}
console.log(`\nprofiles: ${profileDir}`)
