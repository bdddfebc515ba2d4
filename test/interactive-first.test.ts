/**
 * Interactive work first (issue #25): a bulk loop (a bulk edit's or an import's checks and writes)
 * pauses while someone's request is in flight, about as long as it has just worked, and runs
 * without pauses when nobody waits. The loop's work is timed on a clock the test moves (21 ms a
 * piece), so the pauses are what is measured. (Their effect on a list's p99 during a bulk edit is
 * measured by bench/export-under-load.ts, not asserted here.)
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { InteractiveFirst } from '../src/db/interactive-first.js'

const PIECES = 10
const WORK_MS = 21

/** Runs PIECES pieces of WORK_MS of (clock) work, calling the pacer between them: how long it took in real time. */
async function bulkLoop(first: InteractiveFirst) {
  let clock = 0
  const pace = first.pacer(() => clock)
  const started = performance.now()
  for (let i = 0; i < PIECES; i++) {
    clock += WORK_MS
    await pace()
  }
  return performance.now() - started
}

describe('bulk loops yield to interactive requests', () => {
  test('with nobody waiting, a loop only lets others in between pieces, without pausing', async () => {
    const elapsed = await bulkLoop(new InteractiveFirst())
    assert.ok(elapsed < 50, `took ${elapsed.toFixed(0)} ms`)
  })

  test('while a request is in flight it pauses as long as each slice worked, and stops pausing once the request is done', async () => {
    const first = new InteractiveFirst()
    const done = first.started()
    assert.equal(first.busy, true)
    const busy = await bulkLoop(first)
    assert.ok(busy >= PIECES * WORK_MS * 0.9, `took ${busy.toFixed(0)} ms`)
    done()
    done() // twice is harmless
    assert.equal(first.busy, false)
    const after = await bulkLoop(first)
    assert.ok(after < 50, `took ${after.toFixed(0)} ms`)
  })
})
