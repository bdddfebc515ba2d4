// `npm test [test/<file>.test.ts …]`: runs the test files (all of test/*.test.ts by default) from a
// transpiled copy (src/scripts/transpile.mjs) with plain Node.js. Under tsx every test process spent
// about a second of CPU in loader hooks while loading AdminJS's modules, and the embedded database's
// worker thread loaded PGlite through them too. Stack traces still name the .ts lines.
// Options for node's test runner pass through in their `--name=value` form. (`node --import tsx
// --test test/<file>.test.ts` runs one file from source, as before; test/e2e/ stays on tsx: its
// screenshots go next to the test files.)
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { projectRoot, transpiledDir, transpileSources } from './transpile.mjs'

// The embedded database runs the tests' SQL in WASM in each test process: CPU-bound, so one file per
// core. On PostgreSQL the server does much of that work and test files also wait on it, so a third
// file keeps both cores busy (a fourth was slower: 66 s instead of 62 s, the cores were full with
// the server's own CPU).
const concurrency = process.env.TEST_CONCURRENCY ?? (process.env.DATABASE_URL ? '3' : '2')

// One copy per run: two runs at once (PostgreSQL and embedded, say) must not replace each other's.
// Copies left by runs that were killed (their process is gone) are removed first.
const isRunning = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}
for (const name of existsSync(transpiledDir('')) ? readdirSync(transpiledDir('')) : []) {
  const pid = /^test(?:-server)?-(\d+)$/.exec(name)?.[1]
  if (pid && !isRunning(Number(pid))) rmSync(transpiledDir(name), { recursive: true, force: true })
}
const outdir = transpiledDir(`test-${process.pid}`)
process.once('exit', () => rmSync(outdir, { recursive: true, force: true }))
await transpileSources(outdir, { tests: true })

// Most of a test file's CPU is loading modules (AdminJS with its bundler, Sequelize, ExcelJS: ~2.5 s
// of CPU) before its first test, which one process per file paid 38 times a run. So the files run
// in a few processes, each importing its share of them one after another, each file inside a
// top-level suite of its name (its before/after hooks stay its own: they run around its tests only,
// not around the whole process's). The modules are loaded once per process and shared, as they
// already are between the apps one file starts.
// These files still run alone: production.test.ts kills and starts server processes and measures
// their exit, password-hashing.test.ts samples the CPU of every thread of its own process, and
// adminjs-internals.test.ts checks that a patch of AdminJS's prototypes replaces the original
// (in a process where an app started before, it was replaced already).
const OWN_PROCESS = ['production.test.ts', 'password-hashing.test.ts', 'adminjs-internals.test.ts']
// Seconds a file takes, on PostgreSQL and on the embedded database (both at load 1-3, 2026-12-07; PostgreSQL's re-read at 16:23): its
// suite's wall time, `--test-reporter=./src/scripts/file-times-reporter.mjs`; to share the files out
// evenly. A file not listed counts as 1 s (3 s embedded).
const SECONDS = {
  'production.test.ts': [24, 20],
  'import-jobs.test.ts': [18, 9],
  'bulk-isolation-exports.test.ts': [7.5, 0],
  'client-rules.test.ts': [9.5, 6.5],
  'migration-generator.test.ts': [12, 6.5],
  'hardening-http.test.ts': [13, 9.5],
  'password-hashing.test.ts': [9, 5.5],
  'concurrency.test.ts': [3, 6],
  'fast-reads.test.ts': [5.5, 4.5],
  'bulk-isolation.test.ts': [6, 5.5],
  'list.test.ts': [5, 9],
  'export.test.ts': [6.5, 7],
  'import.test.ts': [4, 1],
  'export-copy.test.ts': [2.5, 2.5],
  'platform.test.ts': [3, 2],
  'dashboard.test.ts': [4.5, 3],
  'bulk-isolation-hashing.test.ts': [3.5, 2.5],
  'embedded-database.test.ts': [3.5, 1.5],
  'review-findings.test.ts': [2.5, 2],
  'sender-names.test.ts': [2.5, 0.5],
  'access.test.ts': [2.5, 2],
  'hardening-data.test.ts': [2, 1.5],
  'two-factor.test.ts': [2, 1],
  'adminjs-internals.test.ts': [2, 1.5],
  'bulk-edit.test.ts': [1.5, 1],
  'spreadsheet-fixtures.test.ts': [1.5, 1],
  'interactive-first.test.ts': [1.5, 1.5],
  'export-xlsx.test.ts': [1.5, 0.5],
  'history.test.ts': [2.5, 1],
  'import-spreadsheets.test.ts': [1, 0.5],
  'list-search.test.ts': [1, 0.5],
  'search-text-column.test.ts': [0.5, 1],
  'sender-names-import.test.ts': [1, 0.5],
  'account-page.test.ts': [1, 0.5],
  'import-recent.test.ts': [1, 0.5],
  'pages-and-return.test.ts': [0.5, 0.5],
  'time-zones.test.ts': [0.5, 0.5],
  'client-throughput.test.ts': [0.5, 0.5],
  'layout.test.ts': [0, 0],
  'browser-name.test.ts': [0, 0],
}
const secondsOf = (file) => SECONDS[file]?.[process.env.DATABASE_URL ? 0 : 1] ?? (process.env.DATABASE_URL ? 1 : 3)

const chosen = process.argv.slice(2).filter((arg) => !arg.startsWith('-'))
const options = process.argv.slice(2).filter((arg) => arg.startsWith('-'))
const testFiles = chosen.length > 0
  ? chosen.map((file) => path.relative(path.join(projectRoot, 'test'), path.resolve(process.env.INIT_CWD ?? process.cwd(), file)))
  : readdirSync(path.join(projectRoot, 'test')).filter((file) => file.endsWith('.test.ts'))

// One shared process more than run at once, so that one that takes longer than reckoned is not a
// tail on its own (each process pays ~3 s of CPU loading the modules, ~2 s more starting the embedded
// database: twice as many as run at once cost ~9 s of CPU on PostgreSQL); the files go greedily to
// the lightest, where a file with a process of its own counts too. Those start first (the longest
// of them is a whole file), then the shared ones, longest first: a long process started last is a
// tail where one core works and the other waits.
const alone = testFiles.filter((file) => OWN_PROCESS.includes(file)).sort((a, b) => secondsOf(b) - secondsOf(a))
const shared = testFiles.filter((file) => !OWN_PROCESS.includes(file)).sort((a, b) => secondsOf(b) - secondsOf(a))
// (`load`: the seconds a lane carries, `seconds`: the shared process's own).
const groups = Array.from({ length: Math.min(shared.length, Number(concurrency) + 1) }, () => ({ files: [], load: 0, seconds: 0 }))
for (const file of [...alone, ...shared]) {
  const lightest = groups.reduce((min, group) => (group.load < min.load ? group : min), groups[0] ?? { load: 0 })
  lightest.load += secondsOf(file)
  if (OWN_PROCESS.includes(file)) continue
  lightest.files.push(file)
  lightest.seconds += secondsOf(file)
}
const processes = [...alone.map((file) => [file]), ...groups.sort((a, b) => b.seconds - a.seconds).map((group) => group.files).filter((files) => files.length > 0)]
// Node's runner starts the files it is given in path order: the names carry the rank.
const testDir = path.join(outdir, 'test')
// Each entry: its files' suites (or its one file), then once all are declared the runner's tracking
// of asynchronous resources stops (src/scripts/test-process.mjs). Each process writes the CPU time
// of each of its files and its own total to cpuLog, for the file-times reporter.
const cpuLog = path.join(outdir, 'cpu-times.jsonl')
writeFileSync(cpuLog, '')
const testProcess = pathToFileURL(fileURLToPath(new URL('./test-process.mjs', import.meta.url))).href
const files = processes.map((group, rank) => {
  const entry = path.join(testDir, `${String(rank).padStart(2, '0')}-${group.length === 1 ? group[0].replace(/\.ts$/, '.js') : 'files.test.js'}`)
  const js = (file) => JSON.stringify(`./${file.replace(/\.ts$/, '.js')}`)
  const header = `${group.length === 1 ? '' : "import { after, before, describe } from 'node:test'\n"}import { cpuSeconds, logCpu, stopTrackingTests } from ${JSON.stringify(testProcess)}
process.once('exit', () => logCpu(${JSON.stringify(path.basename(entry))}, cpuSeconds()))
`
  const body = group.length === 1
    ? `await import(${js(group[0])})\nstopTrackingTests()\n`
    : `const declared = []
${group.map((file) => `describe(${JSON.stringify(file)}, async () => {
  let cpu
  before(async () => {
    await Promise.allSettled(declared)
    stopTrackingTests()
    cpu = cpuSeconds()
  })
  const loaded = import(${js(file)})
  declared.push(loaded)
  await loaded
  after(() => logCpu(${JSON.stringify(file)}, cpuSeconds() - cpu))
})`).join('\n')}
`
  writeFileSync(entry, header + body)
  return entry
})

const stackTraces = fileURLToPath(new URL('./stack-traces.mjs', import.meta.url))
// --test-force-exit: a file's process ends once its tests have, instead of waiting for whatever
// it left pending (a deadline's timer, a keep-alive socket) — once a minute for one file.
const run = spawn(process.execPath, ['--import', testProcess, '--import', stackTraces, '--test', '--test-force-exit', `--test-concurrency=${concurrency}`, ...options, ...files], { cwd: projectRoot, stdio: 'inherit', env: { ...process.env, TEST_CPU_LOG: cpuLog } })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => run.kill(signal))
// A test process keeps the PostgreSQL databases its files used (test/helpers/harness.ts) until it
// ends: once every one has, this run's are dropped (as are those of earlier runs that were killed).
async function dropLeftTestDatabases() {
  const { default: pg } = await import('pg')
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await admin.connect()
  try {
    for (const { datname } of (await admin.query(`SELECT datname FROM pg_database WHERE datname ~ '^test_[0-9]+_[0-9a-f]{8}$'`)).rows) {
      if (!isRunning(Number(datname.split('_')[1]))) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {})
    }
  } finally {
    await admin.end()
  }
}
run.on('exit', async (code, signal) => {
  if (process.env.DATABASE_URL) await dropLeftTestDatabases().catch((error) => console.error(`test databases left on the server: ${error.message}`))
  process.exit(code ?? (signal ? 1 : 0))
})
