// `npm test -- --test-reporter=./src/scripts/file-times-reporter.mjs`: failures as they happen,
// then every test file's wall time, the time its top-level tests took, and when it ran in the run
// (for a file in a shared process: which one).
// A file run in a process of its own: wall is the process's, start to exit; wall well above the
// tests' is time spent loading modules, in file-level hooks, or waiting for the process to exit (a
// timer or socket left open). A file run in a shared process (src/scripts/test.mjs) is that
// process's top-level suite of its name: wall is the suite's, its hooks included; the modules the
// process loaded first are not in it (the process's own line, `NN-files.test.js`, has them).
import { readFileSync } from 'node:fs'
import path from 'node:path'

const sharedProcess = /^\d+-files\.test\.js$/
// `03-client-rules.test.js` (the entry of a process of its own) and `client-rules.test.js` are client-rules.test.ts.
const labelOf = (file) => (sharedProcess.test(path.basename(file)) ? path.basename(file) : path.basename(file).replace(/^\d+-/, '').replace(/\.js$/, '.ts'))

export default async function* fileTimes(source) {
  const runStart = Date.now()
  const files = new Map()
  const fileOf = (name) => files.get(name) ?? files.set(name, { tests: 0 }).get(name)
  // Files run in a shared process: their tests are one level deeper, under the file's suite.
  const inSharedProcess = new Set()
  let passed = 0
  let failed = 0
  for await (const event of source) {
    const { file: where, name, nesting, details } = event.data ?? {}
    // The run's plan comes once every file is done (--test-force-exit may end the process before
    // this generator would return).
    if (event.type === 'test:plan' && !where && nesting === 0) yield* summary()
    if (!where) continue
    const since = (Date.now() - runStart) / 1000
    // A process (name === where), or a file's suite in a shared process: its times.
    const timed = name === where ? labelOf(where) : nesting === 0 && sharedProcess.test(path.basename(where)) ? name : undefined
    if (timed) {
      // A shared process's events arrive once it ends: when its files ran is not known, only where.
      const isProcess = timed !== name
      if (!isProcess) {
        inSharedProcess.add(name)
        fileOf(timed).in = path.basename(where)
      }
      if (event.type === 'test:dequeue' && isProcess) fileOf(timed).from = since
      if (event.type === 'test:complete') Object.assign(fileOf(timed), { wall: details.duration_ms / 1000 }, isProcess && { to: since })
      if (event.type === 'test:fail' && details?.error?.failureType !== 'subtestsFailed') {
        failed += 1
        yield `✖ ${timed}\n${details?.error?.cause?.stack ?? details?.error?.stack ?? details?.error}\n\n`
      }
      continue
    }
    const file = labelOf(where)
    const topLevel = nesting === (inSharedProcess.has(file) ? 1 : 0)
    if ((event.type === 'test:pass' || event.type === 'test:fail') && topLevel) fileOf(file).tests += (details?.duration_ms ?? 0) / 1000
    if (details?.type === 'suite') continue
    if (event.type === 'test:pass') passed += 1
    if (event.type === 'test:fail') {
      failed += 1
      const error = details?.error
      yield `✖ ${file}: ${name}\n${error?.cause?.stack ?? error?.stack ?? error}\n\n`
    }
  }
  function* summary() {
    // CPU seconds (user + system) each process wrote for its files and for itself (src/scripts/test.mjs).
    const cpu = new Map()
    for (const line of (process.env.TEST_CPU_LOG ? readFileSync(process.env.TEST_CPU_LOG, 'utf8') : '').split('\n').filter(Boolean)) {
      const { file, cpu: seconds } = JSON.parse(line)
      cpu.set(labelOf(file), seconds)
    }
    const rows = [...files].map(([file, times]) => ({ file, ...times, cpu: cpu.get(file) })).sort((a, b) => (b.wall ?? 0) - (a.wall ?? 0))
    yield 'wall s  tests s   cpu s  ran (s into the run)  file\n'
    for (const row of rows) yield `${row.wall?.toFixed(1).padStart(6)}  ${row.tests.toFixed(1).padStart(7)}  ${(row.cpu?.toFixed(1) ?? '').padStart(6)}  ${(row.in ? `in ${row.in}` : `${row.from?.toFixed(0)}–${row.to?.toFixed(0)}`).padStart(20)}  ${row.file}\n`
    const total = [...cpu].filter(([file]) => !file.endsWith('.test.ts') || !files.get(file)?.in).reduce((sum, [, seconds]) => sum + seconds, 0)
    yield `${((Date.now() - runStart) / 1000).toFixed(1)} s, ${total.toFixed(1)} s of CPU in the test processes, ${passed} passed, ${failed} failed\n`
  }
}
