/**
 * Interactive work first (issue #25): a bulk stream pauses while someone's request is in flight,
 * about as long as it has just worked, and runs without pauses when nobody waits. The stream's
 * work is timed on a clock the test moves (21 ms a chunk), so the pauses are what is measured.
 * (Its effect on a list's p99 during exports is measured by bench/export-under-load.ts.)
 */
import assert from 'node:assert/strict'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, test } from 'node:test'
import { InteractiveFirst } from '../src/db/interactive-first.js'

const CHUNKS = 10
const WORK_MS = 21

/** Streams CHUNKS chunks of WORK_MS of (clock) work each through the pacing stage: what arrived, and how long it took in real time. */
async function bulkStream(first: InteractiveFirst) {
  let clock = 0
  let next = 0
  // A chunk is worked on when it is asked for, as a socket is read when its reader is ready.
  const source = new Readable({
    objectMode: true,
    highWaterMark: 0,
    read() {
      if (next === CHUNKS) return void this.push(null)
      clock += WORK_MS
      this.push(Buffer.from(`row ${next++}\n`))
    },
  })
  const received: string[] = []
  const started = performance.now()
  await pipeline(
    source,
    first.pacing(() => clock),
    new Writable({
      objectMode: true,
      write: (chunk, _encoding, done) => {
        received.push(String(chunk))
        done()
      },
    }),
  )
  return { elapsed: performance.now() - started, received }
}

const allRows = Array.from({ length: CHUNKS }, (_, i) => `row ${i}\n`).join('')

describe('bulk streams yield to interactive requests', () => {
  test('with nobody waiting, a stream runs without pauses and passes every chunk unchanged', async () => {
    const { elapsed, received } = await bulkStream(new InteractiveFirst())
    assert.equal(received.join(''), allRows)
    assert.ok(elapsed < 40, `took ${elapsed.toFixed(0)} ms`)
  })

  test('while a request is in flight it pauses about as long as it worked, and stops pausing once the request is done', async () => {
    const first = new InteractiveFirst()
    const done = first.started()
    assert.equal(first.busy, true)
    const busy = await bulkStream(first)
    assert.equal(busy.received.join(''), allRows)
    // Pauses of a slice's length between slices (a chunk or two is read ahead while one waits).
    assert.ok(busy.elapsed >= (CHUNKS / 3) * WORK_MS, `took ${busy.elapsed.toFixed(0)} ms`)
    done()
    done() // twice is harmless
    assert.equal(first.busy, false)
    const after = await bulkStream(first)
    assert.ok(after.elapsed < 40, `took ${after.elapsed.toFixed(0)} ms`)
  })
})
