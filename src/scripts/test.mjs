// `npm test [test/<file>.test.ts …]`: runs the test files (all of test/*.test.ts by default) from a
// transpiled copy (src/scripts/transpile.mjs) with plain Node.js. Under tsx every test process spent
// about a second of CPU in loader hooks while loading AdminJS's modules, and the embedded database's
// worker thread loaded PGlite through them too. Stack traces still name the .ts lines.
// Options for node's test runner pass through in their `--name=value` form. (`node --import tsx
// --test test/<file>.test.ts` runs one file from source, as before; test/e2e/ stays on tsx: its
// screenshots go next to the test files.)
import { spawn } from 'node:child_process'
import { existsSync, linkSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { projectRoot, transpiledDir, transpileSources } from './transpile.mjs'

// The embedded database runs the tests' SQL in WASM in each test process: CPU-bound, so one file per
// core. On PostgreSQL the server does much of that work and test files also wait on it, so a third
// file keeps both cores busy.
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

// The files that take longest start first: a long file started last is a tail where one core
// works and the other waits. Node's runner sorts the files it is given by path, so the copies of
// these get a second name that sorts first (`00-production.test.js`; the stack traces still name
// the .ts file). Measured with `--test-reporter=./src/scripts/file-times-reporter.mjs`.
const LONGEST_FIRST = [
  'production.test.ts',
  'import-jobs.test.ts',
  'client-rules.test.ts',
  'hardening-http.test.ts',
  'bulk-isolation-exports.test.ts',
  'concurrency.test.ts',
  'bulk-isolation-hashing.test.ts',
  'platform.test.ts',
  'review-findings.test.ts',
  'migration-generator.test.ts',
]
const runFirst = (file) => {
  const rank = LONGEST_FIRST.indexOf(file)
  const copy = path.join(outdir, 'test', file.replace(/\.ts$/, '.js'))
  if (rank === -1) return copy
  const early = path.join(outdir, 'test', `${String(rank).padStart(2, '0')}-${path.basename(copy)}`)
  if (existsSync(early)) return early
  linkSync(copy, early)
  linkSync(`${copy}.map`, `${early}.map`)
  return early
}

const chosen = process.argv.slice(2).filter((arg) => !arg.startsWith('-'))
const options = process.argv.slice(2).filter((arg) => arg.startsWith('-'))
const files = (chosen.length > 0 ? chosen.map((file) => path.relative(path.join(projectRoot, 'test'), path.resolve(process.env.INIT_CWD ?? process.cwd(), file))) : readdirSync(path.join(projectRoot, 'test')).filter((file) => file.endsWith('.test.ts')))
  .map(runFirst)

const stackTraces = fileURLToPath(new URL('./stack-traces.mjs', import.meta.url))
// --test-force-exit: a file's process ends once its tests have, instead of waiting for whatever
// it left pending (a deadline's timer, a keep-alive socket) — once a minute for one file.
const run = spawn(process.execPath, ['--import', stackTraces, '--test', '--test-force-exit', `--test-concurrency=${concurrency}`, ...options, ...files], { cwd: projectRoot, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => run.kill(signal))
run.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
