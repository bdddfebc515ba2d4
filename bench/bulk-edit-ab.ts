/**
 * List page 1 idle and during an all-matching bulk edit of BENCH_CLIENTS' bulk-edit filter (as in
 * `npm run bench`), for one or more builds in turn, round by round (issue #25: list p99 during a
 * bulk edit ≤ 2× idle; the bulk edit ≤ 10 s). On a shared machine only builds measured side by side
 * compare: `BENCH_ENTRIES=dist-before/src/server.js,dist/src/server.js BENCH_ROUNDS=2
 * BENCH_CLIENTS=1000000 npx tsx bench/bulk-edit-ab.ts` (a copy of an older build's dist/ folder
 * beside dist/ runs as it is). BENCH_NODE_ARGS replaces the server's Node options.
 */
import os from 'node:os'
import pg from 'pg'
import { buildsInTurn } from './builds-in-turn.js'
import { bulkEditScenario } from './bulk-edit.js'
import { benchUrl } from './config.js'
import { measure } from './load.js'

const db = new pg.Pool({ connectionString: benchUrl, max: 2 })
try {
  await buildsInTurn(async ({ app, entry, round, headers }) => {
    const list = { path: '/admin/api/resources/Client/actions/list?page=1', headers }
    const load = os.loadavg()[0].toFixed(1)
    const idle = await measure(app.url, list)
    const notes: string[] = []
    const bulkEdit = await bulkEditScenario({ baseUrl: app.url, headers, list, idle, db, log: (message) => notes.push(message) })
    const during = bulkEdit.row.app
    return `round ${round} ${entry}: idle p99 ${idle.p99} ms (${idle.rps.toFixed(0)} req/s); during ${during.p99} ms (${during.rps.toFixed(0)} req/s) = ${(during.p99 / idle.p99).toFixed(2)}×; ${bulkEdit.checks[0].value}; load ${load}`
  })
} finally {
  await db.end()
}
