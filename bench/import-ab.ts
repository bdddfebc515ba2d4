/**
 * List page 1 idle and during the apply of an update file of IMPORT_ROWS clients (default 100,000,
 * as in `npm run bench`), for one or more builds in turn, round by round (issue #25: list p99
 * during an import ≤ 2× idle just before). Each apply writes new values (a step per apply), so every
 * row is an UPDATE. `BENCH_ENTRIES=dist-before/src/server.js,dist/src/server.js BENCH_ROUNDS=2
 * BENCH_CLIENTS=1000000 npx tsx bench/import-ab.ts` (see builds-in-turn.ts).
 */
import os from 'node:os'
import pg from 'pg'
import { buildsInTurn } from './builds-in-turn.js'
import { benchUrl } from './config.js'
import { post, updateFiles } from './import.js'
import { measure, measureWhile } from './load.js'

const rows = Number(process.env.IMPORT_ROWS ?? 100_000)
const db = new pg.Pool({ connectionString: benchUrl, max: 2 })
let step = Date.now() % 1000
try {
  const { clients, updateFile } = await updateFiles(db, rows)
  await buildsInTurn(async ({ app, entry, round, headers }) => {
    step += 1
    const file = updateFile(step)
    const list = { path: '/admin/api/resources/Client/actions/list?page=1', headers }
    const load = os.loadavg()[0].toFixed(1)
    const idle = await measure(app.url, list)
    const { measured, result } = await measureWhile(app.url, list, () => post(app.url, headers.cookie, file, false, app.child.pid))
    if (result.report.updated !== clients) throw new Error(`${entry}: ${result.report.updated} updated, expected ${clients}`)
    return (
      `round ${round} ${entry}: idle p99 ${idle.p99} ms (${idle.rps.toFixed(0)} req/s); during the apply ${measured.p99} ms ` +
      `(${measured.rps.toFixed(0)} req/s) = ${(measured.p99 / idle.p99).toFixed(2)}×; apply ${(result.ms / 1000).toFixed(1)} s; load ${load}`
    )
  })
} finally {
  await db.end()
}
