import http from 'node:http'
import { proxyHeaders } from './app-server.js'
import { withRssPeak } from './export.js'
import { measure, type Measured, type Request } from './load.js'
import { sleep } from './processes.js'
import { listUnderBulkWork, type Check, type Row } from './report.js'

// Issue #25: one person's bulk work never takes what everyone else's next click needs. Ten export
// downloads are opened by ten users and never read (a stalled or slow client), and list page 1 is
// measured meanwhile: the exports may hold only their share of the pool (EXPORTS_MAX_RUNNING,
// BULK_DB_CONNECTIONS), the rest answer 429, and the held ones are cut off after
// EXPORT_WRITE_TIMEOUT_SECONDS.

type Stalled = { status: Promise<number>; close: () => void }

/** GET the export and stop reading once the answer's head is in: the socket's buffers fill and stay full. */
export function stalledExport(baseUrl: string, path: string, cookie: string): Stalled {
  let request: http.ClientRequest | undefined
  const status = new Promise<number>((resolve) => {
    request = http.get(new URL(path, baseUrl), { headers: { cookie, ...proxyHeaders } }, (response) => {
      resolve(response.statusCode ?? 0)
      // A 429 is read to its end; a 200 is left unread.
      if (response.statusCode === 200) response.pause()
      else response.resume()
    })
    request.on('error', () => resolve(0))
  })
  return { status, close: () => request?.destroy() }
}

export async function stalledExportsBench(options: {
  url: string
  pid: number
  /** Session cookies of the users who open the downloads (one each). */
  cookies: string[]
  list: Request
  /** The run's idle list page 1 (its first scenario, on another server and an earlier state of the database). */
  idle: Measured
  log: (message: string) => void
}): Promise<{ row: Row; notes: string[]; peakMb: number }> {
  const { url, pid, cookies, list, idle, log } = options
  // The list idle on this server first: by now the database holds the earlier scenarios' writes,
  // so only this measurement tells what the stalled downloads themselves cost.
  log('list page 1 idle, on the server the stalled downloads will be opened on…')
  const idleHere = await measure(url, list)
  log(`list page 1 with ${cookies.length} stalled export downloads…`)
  const opened = performance.now()
  const stalled = cookies.map((cookie) => stalledExport(url, '/admin/exports/Client.csv', cookie))
  // The admitted downloads have their heads within a moment; one more may wait for a bulk
  // connection (a 429 after BULK_WAIT_SECONDS). The list is measured while they are held, well
  // inside EXPORT_WRITE_TIMEOUT_SECONDS (30 s), which cuts them off.
  await Promise.race([Promise.all(stalled.map((download) => download.status)), sleep(2_000)])
  await sleep(1_000)
  try {
    const measured = await withRssPeak(pid, () => measure(url, list))
    const measuredWithinS = (performance.now() - opened) / 1000
    const statuses = await Promise.all(stalled.map((download) => Promise.race([download.status, sleep(1).then(() => 'none yet')])))
    const counted = statuses.reduce<Record<string, number>>((all, status) => ({ ...all, [status]: (all[status] ?? 0) + 1 }), {})
    const p99 = measured.result.p99
    log(`list with stalled exports: p99 ${p99} ms (idle on this server ${idleHere.p99} ms, the run's idle ${idle.p99} ms), exports answered ${JSON.stringify(counted)}, peak RSS ${measured.peakMb.toFixed(0)} MB`)
    const checks: Check[] = [
      listUnderBulkWork(`list page 1 with ${cookies.length} stalled exports`, measured.result, idleHere, idle),
    ]
    return {
      peakMb: measured.peakMb,
      row: { name: `list page 1 with ${cookies.length} stalled exports`, app: measured.result, checks },
      notes: [
        `stalled exports: ${cookies.length} users opened a full export each and read nothing; their answers ${Object.entries(counted).map(([status, n]) => `${n}× ${status}`).join(', ')} ` +
          `(the 200s held until EXPORT_WRITE_TIMEOUT_SECONDS cuts them off); list page 1 measured within ${measuredWithinS.toFixed(0)} s of opening them, ` +
          `against ${idleHere.p99.toFixed(1)} ms p99 (${idleHere.rps.toFixed(0)} req/s) idle on the same server just before; server RSS peak ${measured.peakMb.toFixed(0)} MB during the list measurement.`,
      ],
    }
  } finally {
    for (const download of stalled) download.close()
  }
}
