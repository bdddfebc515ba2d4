import type { Request } from './load.js'
import { rssMb } from './processes.js'

// The CSV export scenario: one full download timed (first byte, total, the server's RSS peak), and
// downloads back to back in the background while the list is measured.

export type ExportRun = { firstByteMs: number; totalMs: number; bytes: number; status: number }

/** One download, read to the end and dropped as it comes (the bench holds none of it). */
export async function downloadExport(baseUrl: string, request: Request): Promise<ExportRun> {
  const started = performance.now()
  const response = await fetch(baseUrl + request.path, { headers: request.headers, redirect: 'manual' })
  const reader = response.body!.getReader()
  let firstByteMs = NaN
  let bytes = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (bytes === 0) firstByteMs = performance.now() - started
    bytes += value.byteLength
  }
  return { firstByteMs, totalMs: performance.now() - started, bytes, status: response.status }
}

/** Peak RSS of a process while `work` runs, sampled every 50 ms. */
export async function withRssPeak<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMb: number; beforeMb: number }> {
  const beforeMb = rssMb(pid) ?? NaN
  let peakMb = beforeMb
  const timer = setInterval(() => {
    const now = rssMb(pid)
    if (now !== undefined && now > peakMb) peakMb = now
  }, 50)
  try {
    return { result: await work(), peakMb, beforeMb }
  } finally {
    clearInterval(timer)
  }
}

/** Runs `measure` while full exports download one after another; returns both. */
export async function whileExporting<T>(baseUrl: string, request: Request, measure: () => Promise<T>) {
  let stop = false
  let completed = 0
  let failed = 0
  const loop = (async () => {
    while (!stop) {
      const run = await downloadExport(baseUrl, request).catch(() => undefined)
      if (run?.status === 200) completed += 1
      else failed += 1
    }
  })()
  try {
    return { measured: await measure(), exports: () => ({ completed, failed }) }
  } finally {
    stop = true
    await loop
  }
}
