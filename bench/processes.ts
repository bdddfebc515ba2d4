import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { benchUrl, root } from './config.js'

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

/** CPU time (user + system) a process has used so far, in ms (USER_HZ 100). */
export function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS). */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : undefined
  } catch {
    return undefined
  }
}

/** RSS of a process and its direct children together (a cluster supervisor and its workers), in MB. */
export function treeRssMb(pid: number): number | undefined {
  const children = fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid
      } catch {
        return false
      }
    })
    .map(Number)
  const sizes = [pid, ...children].map(rssMb)
  return sizes.every((size) => size !== undefined) ? sizes.reduce((a, b) => a! + b!, 0) : undefined
}

export type Child = {
  name: string
  url: string
  child: ChildProcess
  /** Spawn to the first 200 from the health URL. */
  readyMs: number
  output: () => string
  stop: () => Promise<void>
}

const children = new Set<ChildProcess>()
/** Whatever happens to the bench, its children do not outlive it. */
function killAll() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

/** Starts a server process and waits for its first 200 from `healthPath` (polled every 20 ms). */
export async function startChild(
  name: string,
  command: string[],
  env: Record<string, string>,
  port: number,
  healthPath: string,
  timeoutMs = 60_000,
): Promise<Child> {
  const started = performance.now()
  const child = spawn(command[0], command.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let output = ''
  child.stdout!.on('data', (chunk) => (output = (output + chunk).slice(-20_000)))
  child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-20_000)))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  while (performance.now() - started < timeoutMs) {
    const ok = await fetch(`${url}${healthPath}`).then(
      (response) => response.status === 200,
      () => false,
    )
    if (ok) {
      const readyMs = performance.now() - started
      return {
        name,
        url,
        child,
        readyMs,
        output: () => output,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return
          child.kill('SIGTERM')
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
          await exited
          clearTimeout(timer)
          children.delete(child)
        },
      }
    }
    if (child.exitCode !== null) break
    await sleep(20)
  }
  child.kill('SIGKILL')
  throw new Error(`${name} did not answer ${healthPath} within ${timeoutMs} ms; its last output:\n${output.slice(-3000)}`)
}

/**
 * `npm run build` when the built server or the component bundle is missing, or older than the
 * sources (else the bench would measure yesterday's code). BENCH_BUILD=0 never builds, =1 always.
 */
export function buildIfNeeded(): { built: boolean; note: string } {
  const server = path.join(root, 'dist/src/server.js')
  const bundle = path.join(root, '.adminjs/bundle.js')
  const mtime = (file: string) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0)
  const newestSource = Math.max(...['src', 'migrations', 'seeders'].flatMap((dir) => newestIn(path.join(root, dir))))
  const builtAt = Math.min(mtime(server), mtime(bundle))
  const flag = process.env.BENCH_BUILD
  const missing = builtAt === 0
  const stale = newestSource > builtAt
  if (flag === '0' && !missing) return { built: false, note: stale ? 'dist/ older than the sources (BENCH_BUILD=0: not rebuilt)' : 'dist/ up to date' }
  if (flag !== '1' && !missing && !stale) return { built: false, note: 'dist/ up to date' }
  console.log(`[build] npm run build (${missing ? 'dist/ or .adminjs/ missing' : flag === '1' ? 'BENCH_BUILD=1' : 'sources newer than dist/'})`)
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', env: { ...process.env, DATABASE_URL: '' } })
  if (result.status !== 0) throw new Error('npm run build failed')
  return { built: true, note: `rebuilt (${missing ? 'missing' : flag === '1' ? 'forced' : 'stale'})` }
}

function newestIn(dir: string): number[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((entry) => entry.isFile()).map((entry) => fs.statSync(path.join(entry.parentPath ?? (entry as any).path, entry.name)).mtimeMs)
}

/** The bare node:http + `pg` server running the app's SQL (bench/baseline-server.ts), on a free port. */
export async function startBaseline(): Promise<Child> {
  const port = await freePort()
  return startChild(
    'baseline',
    [process.execPath, '--import', 'tsx', 'bench/baseline-server.ts'],
    { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: benchUrl, PORT: String(port), BASELINE_PREPARED: process.env.BASELINE_PREPARED ?? '' },
    port,
    '/health',
  )
}

/**
 * CPU time of the PostgreSQL backends serving one application (its connections carry
 * `application_name`, e.g. from `?application_name=` in its DATABASE_URL), sampled every 200 ms
 * while `work` runs: other sessions' backends on a shared machine are not counted. A backend that
 * starts meanwhile counts from zero; one that ends loses at most its last 200 ms.
 */
export async function backendCpuWhile<T>(db: { query: (sql: string, values: unknown[]) => Promise<{ rows: { pid: number }[] }> }, applicationName: string, work: () => Promise<T>): Promise<{ result: T; backendCpuMs: number }> {
  const first = new Map<number, number>()
  const last = new Map<number, number>()
  let initial = true
  const sampleOnce = async () => {
    const { rows } = await db.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName])
    for (const { pid } of rows) {
      let cpu: number
      try {
        cpu = processCpuMs(pid)
      } catch {
        continue
      }
      if (!first.has(pid)) first.set(pid, initial ? cpu : 0)
      last.set(pid, cpu)
    }
    initial = false
  }
  await sampleOnce()
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      await sleep(200)
      await sampleOnce().catch(() => undefined)
    }
  })()
  try {
    const result = await work()
    await sampleOnce().catch(() => undefined)
    return { result, backendCpuMs: [...last].reduce((sum, [pid, cpu]) => sum + cpu - (first.get(pid) ?? cpu), 0) }
  } finally {
    sampling = false
    await sampler
  }
}
