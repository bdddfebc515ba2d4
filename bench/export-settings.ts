/**
 * The CSV export's own COPY under different session settings, read to the end by this process:
 * the time to the first byte, the whole file, and this process's CPU. Why the export sets
 * `jit = off` and `max_parallel_workers_per_gather = 0` (ONE_CORE_SETTINGS, src/db/bulk-share.ts): at 1,000,000
 * clients the planner JIT-compiles the SELECT before the first row and runs it on three backends.
 * `BENCH_CLIENTS=1000000 npx tsx bench/export-settings.ts` (the database seeded by an earlier
 * `npm run bench` with the same BENCH_CLIENTS); SETTINGS='RESET ALL|SET jit = off|…' to choose.
 */
import pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { benchUrl } from './config.js'
import { exportSelectSql } from './export.js'
import { firstAdminEmail } from './seed.js'

const variants = (process.env.SETTINGS ?? 'RESET ALL|SET jit = off|SET jit = off; SET max_parallel_workers_per_gather = 0|RESET ALL').split('|')
const selectSql = await exportSelectSql(firstAdminEmail)
const client = new pg.Client(benchUrl)
await client.connect()
console.log('| settings | first byte ms | total ms | MB | this process CPU ms |\n|---|---:|---:|---:|---:|')
for (const settings of variants) {
  await client.query(`RESET ALL; ${settings}`)
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  let firstByteMs = 0
  let bytes = 0
  const copy = client.query(copyTo(`COPY (${selectSql}) TO STDOUT WITH (FORMAT csv)`))
  await new Promise<void>((resolve, reject) => {
    copy.on('data', (chunk: Buffer) => {
      firstByteMs ||= performance.now() - started
      bytes += chunk.length
    })
    copy.on('end', resolve)
    copy.on('error', reject)
  })
  const cpu = process.cpuUsage(cpuBefore)
  console.log(`| ${settings} | ${firstByteMs.toFixed(0)} | ${(performance.now() - started).toFixed(0)} | ${(bytes / 2 ** 20).toFixed(0)} | ${((cpu.user + cpu.system) / 1000).toFixed(0)} |`)
}
await client.end()
