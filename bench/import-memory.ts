import os from 'node:os'
import pg from 'pg'
import { login, productionNodeArgs, startApp } from './app-server.js'
import { benchUrl, clients } from './config.js'
import { csvFile, post, xlsxFile } from './import.js'
import { buildIfNeeded, rssMb, startChild, freePort } from './processes.js'
import { firstAdminEmail } from './seed.js'

// `npm run bench:import-memory`: the import alone, on a freshly started production server, at
// the scale of one import (issue #25: the server's RSS; issue #28: the XLSX dry run's time). A
// 100,000-row CSV update file is checked (dry run) then applied, then the same rows as an XLSX
// workbook are checked; the server's RSS is sampled every 200 ms. Runs on the bench database of
// BENCH_CLIENTS clients (seed it with `npm run bench` once, or bench/seed.ts); it needs ≥ 100,000
// for the numbers. BENCH_SERVER=<path to a built server.js> measures another build (the
// one before a change); BENCH_IMPORT_ROWS sets the file's rows; BENCH_NODE_ARGS replaces the
// server's Node options (default: the Procfile's heap cap), e.g. to try another cap or --cpu-prof;
// BENCH_IMPORT_ONLY=csv|xlsx|dry runs only those scenarios (dry: the CSV dry run alone).

const rows = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000)
const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : productionNodeArgs
const only = process.env.BENCH_IMPORT_ONLY
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`)

async function main() {
  const serverScript = process.env.BENCH_SERVER
  if (!serverScript) log(`build: ${buildIfNeeded().note}`)
  const app = serverScript
    ? await startChild('app', [process.execPath, ...nodeArgs, serverScript], { ...(await appEnv()) }, Number((await appEnv()).PORT), '/health')
    : await startApp({}, nodeArgs)
  const db = new pg.Pool({ connectionString: benchUrl, max: 2 })
  try {
    const pid = app.child.pid!
    log(`server ${serverScript ?? 'dist/src/server.js'} (${nodeArgs.join(' ')}) ready, RSS ${rssMb(pid)?.toFixed(0)} MB; ${clients.toLocaleString('en')} clients; load average ${os.loadavg().map((n) => n.toFixed(1)).join(' ')}`)
    const { rows: existing } = await db.query(`SELECT login, notification_limit, allow_credit, can_send_api FROM clients ORDER BY id LIMIT $1`, [rows])
    const update = (step: number) => csvFile([['Login', 'Notification limit'], ...existing.map((row) => [row.login, String((row.notification_limit ?? 0) + step)])])
    const results: Record<string, string> = {}
    const run = async (name: string, file: Buffer | string, dryRun: boolean, filename?: string) => {
      const load = os.loadavg()[0]
      // A fresh session each time: one that waited through a long apply was found logged out once.
      const result = await post(app.url, await login(app.url, firstAdminEmail), file, dryRun, pid, filename)
      const { total, updated, unchanged } = result.report
      results[name] = `${(result.ms / 1000).toFixed(1)} s, peak RSS ${result.peak.toFixed(0)} MB (${total} rows: ${updated} updated, ${unchanged} unchanged; load average ${load.toFixed(1)} before)`
      log(`${name}: ${results[name]}`)
    }
    if (only !== 'xlsx') {
      await run(`CSV dry run (${existing.length} updates)`, update(1), true)
      if (only !== 'dry') await run(`CSV apply (${existing.length} updates)`, update(1), false)
    }
    if (only !== 'csv' && only !== 'dry') {
      const workbook = await xlsxFile([
        ['Login', 'Notification limit', 'Allow credit', 'Can Send via API'],
        ...existing.map((row) => [row.login, (row.notification_limit ?? 0) + 3, Number(row.allow_credit), row.can_send_api]),
      ])
      await run(`XLSX dry run (${existing.length} updates)`, workbook, true, 'bench.xlsx')
    }
    log(`server RSS after: ${rssMb(pid)?.toFixed(0)} MB`)
    console.log(JSON.stringify(results, null, 2))
  } catch (error) {
    console.log(app.output().slice(-4000))
    throw error
  } finally {
    await db.end()
    await app.stop()
  }
}

let env: Record<string, string> | undefined
/** The environment startApp gives the built server (for a server script of another build). */
async function appEnv() {
  env ??= {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    ADMIN_JS_SKIP_BUNDLE: 'true',
    SESSION_SECRET: 'x'.repeat(48),
    TWO_FACTOR_KEY: 'ab'.repeat(32),
    BCRYPT_ROUNDS: '12',
    LOG_LEVEL: 'warn',
    DATABASE_URL: benchUrl,
    PORT: String(await freePort()),
    LOGIN_MAX_FAILURES: '1000',
    TRUST_PROXY: '1',
  }
  return env
}

await main()
