/**
 * Interactive work first (issue #25): a bulk loop (a bulk edit's or an import's checks and writes)
 * pauses while someone's request is in flight, about as long as it has just worked, and runs
 * without pauses when nobody waits. The loop's work is timed on a clock the test moves (21 ms a
 * piece), so the pauses are what is measured. (Their effect on a list's p99 during a bulk edit is
 * measured by bench/export-under-load.ts, not asserted here.) An export's byte stream is slowed to a
 * rate instead, chunk by chunk, while someone waits.
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

  test('a slice is short while someone waits (4 ms of work), longer when nobody does (20 ms)', async () => {
    const first = new InteractiveFirst()
    let clock = 0
    const pace = first.pacer(() => clock)
    clock = 10
    assert.equal(pace.due(), false, 'nobody waits: 10 ms is not a slice yet')
    clock = 20
    assert.equal(pace.due(), true)
    await pace()
    const done = first.started()
    clock += 3
    assert.equal(pace.due(), false)
    clock += 1
    assert.equal(pace.due(), true, 'someone waits: 4 ms is a slice')
    const started = performance.now()
    await pace()
    assert.ok(performance.now() - started >= 3, 'and then it pauses about as long')
    assert.equal(pace.due(), false, 'a new slice begins')
    done()
  })
})

/** Writes `chunks` chunks of `size` bytes through the stream as fast as it takes them: how long until the last came out. */
async function streamThrough(stream: import('node:stream').Transform, chunks: number, size: number) {
  const started = performance.now()
  const out: Buffer[] = []
  stream.on('data', (chunk: Buffer) => out.push(chunk))
  const ended = new Promise((resolve) => stream.once('end', resolve))
  for (let i = 0; i < chunks; i++) if (!stream.write(Buffer.alloc(size, i))) await new Promise((resolve) => stream.once('drain', resolve))
  stream.end()
  await ended
  assert.deepEqual(Buffer.concat(out), Buffer.concat(Array.from({ length: chunks }, (_, i) => Buffer.alloc(size, i))))
  return performance.now() - started
}

describe('an export stream slows down while others wait', () => {
  test('alone it passes every chunk on at once', async () => {
    const elapsed = await streamThrough(new InteractiveFirst().throttle(1000), 20, 1000)
    assert.ok(elapsed < 500, `took ${elapsed.toFixed(0)} ms for what would take 20 s at the throttled rate`)
  })

  test('while a request is in flight it keeps to the rate, the same bytes in the same order, and runs free again once the run of clicks is over', async () => {
    const first = new InteractiveFirst()
    const done = first.started()
    // 5 chunks of 4,000 bytes at 20,000 bytes/s: the first at once, then one every 200 ms.
    const busy = await streamThrough(first.throttle(20_000), 5, 4000)
    assert.ok(busy >= 790, `took ${busy.toFixed(0)} ms`)
    done()
    assert.equal(first.busyLately(), true, 'a moment after the last request, the next click is likely on its way')
    await new Promise((resolve) => setTimeout(resolve, 300))
    const after = await streamThrough(first.throttle(20_000), 5, 4000)
    assert.ok(after < 400, `took ${after.toFixed(0)} ms`)
  })
})
