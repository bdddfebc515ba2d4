// Imported first (`--import`) by every test process `npm test` starts (src/scripts/test.mjs), and by
// the entries it writes for them.
import asyncHooks from 'node:async_hooks'
import { appendFileSync, readFileSync } from 'node:fs'

// Node's test runner (20.x) tracks every asynchronous resource a test process makes, each promise
// included, with an async hook that has a destroy callback: that makes V8 register every promise
// for a callback when it is collected. It is there so that test(), describe() and hooks called
// from asynchronous code find the test they belong to, and so that an uncaught error is blamed on
// its test. In a test process that works the database through the app it was a third of the
// CPU: import-jobs.test.ts's 6,000-row import took 8.4–9.2 s of CPU with it, 2.9–3.2 s without.
// Every test and hook is declared when a test file's import ends (src/scripts/test.mjs waits for
// all of a process's), so from then on the tracking is stopped.
let tracking
const createHook = asyncHooks.createHook
asyncHooks.createHook = function (callbacks) {
  const hook = createHook.call(this, callbacks)
  // The runner's own (lib/internal/test_runner/harness.js): maps resources to its testResources.
  if (!tracking && String(callbacks?.init).includes('testResources')) tracking = hook
  return hook
}

/** Stops the runner's tracking of asynchronous resources (see above); called once all tests are declared. */
export function stopTrackingTests() {
  if (!tracking) return
  tracking.disable()
  tracking = undefined
  // An uncaught error can no longer be blamed on its test, which the runner would fail and end at
  // once; the test might instead wait for good for what the error stopped. So the process ends
  // here, naming the error (the run fails: its exit code is not 0).
  for (const event of ['uncaughtException', 'unhandledRejection']) {
    process.on(event, (error) => {
      console.error(`${event} in a test process, which ends it:`, error)
      process.exit(1)
    })
  }
}

/** CPU seconds (user + system) of this process, its threads and the child processes it has waited for. */
export function cpuSeconds() {
  try {
    // Linux: utime, stime, cutime, cstime in clock ticks (100 a second).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100
  } catch {
    const { user, system } = process.cpuUsage()
    return (user + system) / 1e6
  }
}

/** Adds `{ file, cpu }` to the run's CPU log, which the file-times reporter reads. */
export function logCpu(file, cpu) {
  if (process.env.TEST_CPU_LOG) appendFileSync(process.env.TEST_CPU_LOG, `${JSON.stringify({ file, cpu })}\n`)
}
