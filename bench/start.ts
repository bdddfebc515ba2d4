import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { root } from './config.js'
import { freePort, sleep } from './processes.js'

// `npm run bench:start`: how long `npm start` takes on a fresh clone, first start (embedded
// database created, migrated, demo data) and second start (the same clone again), wall and CPU time.
// Each run clones the working tree's HEAD (or BENCH_START_COMMIT) into a temporary folder
// (node_modules linked, so the snapshot `npm install` made is there; no data/, no .adminjs/, an
// empty TMPDIR so tsx starts without its transform cache), as a newcomer would.
// Prints a Markdown table; docs/benchmarks.md "Start and test times" records the measured ones.

const runs = Number(process.env.BENCH_START_RUNS ?? 3)
/** Another commit to time (an earlier one, for a before/after on the same machine at the same load). */
const ref = process.env.BENCH_START_COMMIT || 'HEAD'
const clockTicks = 100 // USER_HZ on Linux
const log = (message: string) => console.log(`[bench:start] ${message}`)

type Sample = { loginMs: number; bundleMs: number; cpuMs: number; load: number }

/** utime+stime (+ waited-for children) of every process in a process group, in ms. */
function groupCpuMs(groupId: number): number {
  let ticks = 0
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // fields[0] is state (field 3): pgrp is field 5, utime..cstime fields 14..17.
      if (Number(fields[2]) !== groupId) continue
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
    } catch {
      // the process ended between readdir and read
    }
  }
  return (ticks * 1000) / clockTicks
}

async function get(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { redirect: 'manual' })
    await response.arrayBuffer()
    return response.status
  } catch {
    return undefined
  }
}

async function startOnce(clone: string, tmp: string, waitForSeed: boolean): Promise<Sample> {
  const port = await freePort()
  const load = os.loadavg()[0]
  const started = performance.now()
  const child = spawn('npm', ['start'], {
    cwd: clone,
    detached: true,
    env: { ...process.env, DATABASE_URL: '', NODE_ENV: 'development', PORT: String(port), TMPDIR: tmp, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const base = `http://127.0.0.1:${port}/admin`
  const deadline = started + 120_000
  let loginMs = 0
  let cpuMs = 0
  try {
    while ((await get(`${base}/login`)) !== 200) {
      if (child.exitCode !== null || performance.now() > deadline) throw new Error(`npm start did not answer:\n${output}`)
      await sleep(25)
    }
    loginMs = performance.now() - started
    cpuMs = groupCpuMs(child.pid!)
    // The login page loads the panel's components: outside production, bundled on that first request.
    const bundleStatus = await get(`${base}/frontend/assets/components.bundle.js`)
    if (bundleStatus !== 200) throw new Error(`components.bundle.js answered ${bundleStatus}`)
    const bundleMs = performance.now() - started
    if (waitForSeed) {
      while (!/seeded demo data|seeding demo data failed/.test(output)) {
        if (performance.now() > deadline) throw new Error(`seeding did not finish:\n${output}`)
        await sleep(100)
      }
    }
    return { loginMs, bundleMs, cpuMs, load }
  } finally {
    process.kill(-child.pid!, 'SIGTERM')
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const seconds = (ms: number) => (ms / 1000).toFixed(1)

const first: Sample[] = []
const second: Sample[] = []
const commit = execFileSync('git', ['rev-parse', '--short', ref], { cwd: root, encoding: 'utf8' }).trim()
log(`${runs} runs of a fresh clone of ${commit}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`)
for (let run = 1; run <= runs; run++) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-start-'))
  const clone = path.join(scratch, 'clone')
  const tmp = path.join(scratch, 'tmp')
  fs.mkdirSync(tmp)
  try {
    execFileSync('git', ['clone', '--quiet', '--local', '--no-hardlinks', root, clone])
    execFileSync('git', ['checkout', '--quiet', commit], { cwd: clone })
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(clone, 'node_modules'))
    first.push(await startOnce(clone, tmp, true))
    second.push(await startOnce(clone, tmp, false))
    const [a, b] = [first.at(-1)!, second.at(-1)!]
    log(`run ${run}: first ${seconds(a.loginMs)} s (CPU ${seconds(a.cpuMs)} s, bundle at ${seconds(a.bundleMs)} s, load ${a.load.toFixed(1)}); ` +
      `second ${seconds(b.loginMs)} s (CPU ${seconds(b.cpuMs)} s, bundle at ${seconds(b.bundleMs)} s, load ${b.load.toFixed(1)})`)
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
}

const row = (name: string, samples: Sample[], target: number) => {
  const login = median(samples.map((s) => s.loginMs))
  return `| ${name} | ${seconds(login)} s (${samples.map((s) => seconds(s.loginMs)).join(', ')}) | ${seconds(median(samples.map((s) => s.cpuMs)))} s | ` +
    `${seconds(median(samples.map((s) => s.bundleMs)))} s | ≤ ${target} s | ${login <= target * 1000 ? 'yes' : 'NO'} | ${median(samples.map((s) => s.load)).toFixed(1)} |`
}
console.log(
  [
    '',
    `| start | login page answers: median (runs) | CPU time until then | login page + components bundle | target | met? | load average |`,
    '|---|---|---:|---:|---|---|---:|',
    row('first (fresh clone, embedded, no data/)', first, 6),
    row('second (same clone)', second, 3),
  ].join('\n'),
)
