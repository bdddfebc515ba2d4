/** Bulk work runs this long between looks at whether someone is waiting. */
const SLICE_MS = 20
/** The longest single pause. */
const MAX_PAUSE_MS = 100

/**
 * Interactive work first (issue #25), by design: while anyone's interactive request (a list, a
 * form, a login) is in flight on this process, a bulk loop (a bulk edit's or an import's row
 * checks and write statements) pauses after each slice of its work for as long as that slice
 * took, so it takes about half of the CPU and database time it would otherwise share with them.
 * With nobody else busy it runs at full speed. Not used for exports: pausing a COPY stream only
 * made its rows arrive in bursts that held the event loop longer (bench/export-under-load.ts).
 */
export class InteractiveFirst {
  private inFlight = 0

  /** Counts an interactive request as in flight until the returned function is called (once is enough; more is harmless). */
  started(): () => void {
    this.inFlight += 1
    let done = false
    return () => {
      if (done) return
      done = true
      this.inFlight -= 1
    }
  }

  get busy(): boolean {
    return this.inFlight > 0
  }

  /**
   * For a loop of bulk work (checking rows, writing chunks): call it between pieces. It lets other
   * requests in (setImmediate) and, once a slice of work is done while someone waits, pauses for
   * as long as the slice took.
   */
  pacer(now = () => performance.now()): () => Promise<void> {
    let sliceStart = now()
    return async () => {
      const worked = now() - sliceStart
      if (worked >= SLICE_MS && this.busy) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(worked, MAX_PAUSE_MS)))
        sliceStart = now()
        return
      }
      await new Promise((resolve) => setImmediate(resolve))
      if (worked >= SLICE_MS) sliceStart = now()
    }
  }
}
