// `npm test -- --test-reporter=./src/scripts/file-times-reporter.mjs`: failures as they happen,
// then every test file's wall time (its process, start to exit), the time its top-level tests took,
// and when it ran in the run. Wall time well above the tests' is time spent loading modules, in
// file-level hooks, or waiting for the process to exit (a timer or socket left open).
import path from 'node:path'

export default async function* fileTimes(source) {
  const runStart = Date.now()
  const files = new Map()
  const fileOf = (name) => files.get(name) ?? files.set(name, { tests: 0 }).get(name)
  let passed = 0
  let failed = 0
  for await (const event of source) {
    const { file, name, nesting, details } = event.data ?? {}
    // The run's plan comes once every file is done (--test-force-exit may end the process before
    // this generator would return).
    if (event.type === 'test:plan' && !file && nesting === 0) yield* summary()
    if (!file) continue
    const since = (Date.now() - runStart) / 1000
    if (event.type === 'test:dequeue' && name === file) fileOf(file).from = since
    if (name === file) {
      if (event.type === 'test:complete') Object.assign(fileOf(file), { wall: details.duration_ms / 1000, to: since })
      continue
    }
    if ((event.type === 'test:pass' || event.type === 'test:fail') && nesting === 0) fileOf(file).tests += (details?.duration_ms ?? 0) / 1000
    if (details?.type === 'suite') continue
    if (event.type === 'test:pass') passed += 1
    if (event.type === 'test:fail') {
      failed += 1
      const error = details?.error
      yield `✖ ${path.basename(file)}: ${name}\n${error?.cause?.stack ?? error?.stack ?? error}\n\n`
    }
  }
  function* summary() {
    const rows = [...files].map(([file, times]) => ({ file: path.basename(file), ...times })).sort((a, b) => (b.wall ?? 0) - (a.wall ?? 0))
    yield 'wall s  tests s  ran (s into the run)  file\n'
    for (const row of rows) yield `${row.wall?.toFixed(1).padStart(6)}  ${row.tests.toFixed(1).padStart(7)}  ${`${row.from?.toFixed(0)}–${row.to?.toFixed(0)}`.padStart(20)}  ${row.file}\n`
    yield `${((Date.now() - runStart) / 1000).toFixed(1)} s, ${passed} passed, ${failed} failed\n`
  }
}
