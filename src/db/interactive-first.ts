import { Transform } from 'node:stream'

/**
 * While someone's request is in flight, a bulk loop holds the event loop at most this long at a
 * time: a request that arrives meanwhile waits for the rest of the slice. 20 ms slices (200 rows
 * checked between looks) added about that much to the list's p99 during imports and bulk edits.
 */
const BUSY_SLICE_MS = 4
/** With nobody waiting, the loop still lets new requests in this often. */
const IDLE_SLICE_MS = 20
/** The longest single pause. */
const MAX_PAUSE_MS = 100
/** How long after the last interactive request the process still counts as busy: clicks come in runs. */
const BUSY_LINGER_MS = 250

/**
 * Interactive work first (issue #25), by design: while anyone's interactive request (a list, a
 * form, a login) is in flight on this process, a bulk loop (a bulk edit's or an import's row
 * checks and write statements) pauses after each slice of its work for as long as that slice
 * took, so it takes about half of the CPU and database time it would otherwise share with them.
 * With nobody else busy it runs at full speed. Exports are slowed to a rate instead (`throttle`):
 * pausing a COPY stream like a loop only made its rows arrive in bursts that held the event loop
 * longer (bench/export-under-load.ts).
 */
export class InteractiveFirst {
  private inFlight = 0
  private lastSeen = -Infinity

  /** Counts an interactive request as in flight until the returned function is called (once is enough; more is harmless). */
  started(): () => void {
    this.inFlight += 1
    let done = false
    return () => {
      if (done) return
      done = true
      this.inFlight -= 1
      this.lastSeen = performance.now()
    }
  }

  get busy(): boolean {
    return this.inFlight > 0
  }

  /** Someone is waiting now, or was a moment ago (the next click of a run is likely on its way). */
  busyLately(now = performance.now()): boolean {
    return this.inFlight > 0 || now - this.lastSeen < BUSY_LINGER_MS
  }

  /**
   * For a byte stream of bulk work (an export's COPY output): passes chunks on at full speed while
   * nobody else is busy, and at no more than `bytesPerSecond` while someone is. Holding a chunk back
   * holds the stream's backpressure all the way to the database, so PostgreSQL's backend waits on
   * its socket instead of taking a core. Chunks are let through one by one at their due time, so the
   * rate is even: pausing whole slices instead made the rows arrive in bursts (see above).
   */
  throttle(bytesPerSecond: number, now = () => performance.now()): Transform {
    const bytesPerMs = bytesPerSecond / 1000
    let due = -Infinity
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        const at = now()
        if (!this.busyLately(at)) {
          due = at
          return done(null, chunk)
        }
        const start = Math.max(due, at)
        due = start + chunk.length / bytesPerMs
        const wait = start - at
        if (wait < 1) return done(null, chunk)
        setTimeout(() => done(null, chunk), wait)
      },
    })
  }

  /**
   * For a loop of bulk work (checking rows, writing chunks): `if (pace.due()) await pace()` between
   * pieces, as small as a row. Once a slice of work is done (BUSY_SLICE_MS while someone waits,
   * IDLE_SLICE_MS otherwise) it lets other requests in (setImmediate) and, while someone waits,
   * pauses for as long as the slice took: about half of the CPU for the bulk work, in slices short
   * enough that nobody's click waits long behind one. After a piece that is a statement (a chunk's
   * UPDATE), the statement's time counts as the slice's.
   */
  pacer(now = () => performance.now()): Pace {
    let sliceStart = now()
    const due = () => now() - sliceStart >= (this.busy ? BUSY_SLICE_MS : IDLE_SLICE_MS)
    const pace = async () => {
      const worked = now() - sliceStart
      if (this.busy && worked >= BUSY_SLICE_MS) await new Promise((resolve) => setTimeout(resolve, Math.min(worked, MAX_PAUSE_MS)))
      else await new Promise((resolve) => setImmediate(resolve))
      sliceStart = now()
    }
    return Object.assign(pace, { due })
  }
}

/** A bulk loop's pause between pieces (InteractiveFirst.pacer). */
export type Pace = (() => Promise<void>) & {
  /** Whether the slice is over: only then is the pause worth its turn of the event loop. */
  due: () => boolean
}
