import http from 'node:http'
import { proxyHeaders } from './app-server.js'
import { withRssPeak } from './export.js'
import { measure, type Measured, type Request } from './load.js'
import { sleep } from './processes.js'
import type { Check, Row } from './report.js'

// Issue #25: one person's bulk work never takes what everyone else's next click needs. Ten export
// downloads are opened by ten users and never read (a stalled or slow client), and list page 1 is
// measured meanwhile: the exports may hold only their share of the pool (EXPORTS_MAX_RUNNING,
// BULK_DB_CONNECTIONS), the rest answer 429, and the held ones are cut off after
// EXPORT_WRITE_TIMEOUT_SECONDS.

type Stalled = { status: Promise<number>; close: () => void }

/** GET the export and stop reading once the answer's head is in: the socket's buffers fill and stay full. */
function stalledExport(baseUrl: string, path: string, cookie: string): Stalled {
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
  idle: Measured
  log: (message: string) => void
}): Promise<{ row: Row; notes: string[]; peakMb: number }> {
  const { url, pid, cookies, list, idle, log } = options
  log(`list page 1 with ${cookies.length} stalled export downloads…`)
  const stalled = cookies.map((cookie) => stalledExport(url, '/admin/exports/Client.csv', cookie))
  const statuses = await Promise.race([Promise.all(stalled.map((download) => download.status)), sleep(30_000).then(() => undefined)])
  await sleep(2_000)
  try {
    const measured = await withRssPeak(pid, () => measure(url, list))
    const counted = (statuses ?? []).reduce<Record<string, number>>((all, status) => ({ ...all, [status]: (all[status] ?? 0) + 1 }), {})
    log(`list with stalled exports: p99 ${measured.result.p99} ms (idle ${idle.p99} ms), exports answered ${JSON.stringify(counted)}, peak RSS ${measured.peakMb.toFixed(0)} MB`)
    const checks: Check[] = [
      {
        label: `list page 1 with ${cookies.length} stalled exports`,
        target: 'p99 ≤ 2× idle p99',
        value: `p99 ${measured.result.p99.toFixed(1)} ms vs ${idle.p99.toFixed(1)} ms idle (${(measured.result.p99 / idle.p99).toFixed(1)}×; ${measured.result.bad} not 2xx)`,
        met: measured.result.p99 <= 2 * idle.p99 && measured.result.bad === 0,
      },
    ]
    return {
      peakMb: measured.peakMb,
      row: { name: `list page 1 with ${cookies.length} stalled exports`, app: measured.result, checks },
      notes: [
        `stalled exports: ${cookies.length} users opened a full export each and read nothing; their answers: ${Object.entries(counted).map(([status, n]) => `${n}× ${status}`).join(', ') || 'none within 30 s'} (the 200s are held, up to EXPORT_WRITE_TIMEOUT_SECONDS); server RSS peak ${measured.peakMb.toFixed(0)} MB during the list measurement.`,
      ],
    }
  } finally {
    for (const download of stalled) download.close()
  }
}
