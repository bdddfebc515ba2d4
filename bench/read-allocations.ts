import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { login, proxyHeaders, startApp } from './app-server.js'
import { connections } from './config.js'
import { sleep } from './processes.js'
import { firstAdminEmail } from './seed.js'

/**
 * What one read request allocates, and what collecting it costs (docs/benchmarks.md, findings;
 * docs/deploy.md, the semi-space). The built server runs under V8's sampling heap profiler with the
 * objects the garbage collector already took counted (started and stopped by signals through a
 * preloaded inspector session) and under `--trace-gc`; autocannon loads one route. Prints the
 * bytes per request by allocating function and the scavenges' and full collections' time per
 * request. `READ_PATH=/admin/api/dashboard SEMI=4 npx tsx bench/read-allocations.ts` (after
 * `npm run build`; default: list page 1 as an admin, the Procfile's 2 MB semi-space).
 */

const readPath = process.env.READ_PATH ?? '/admin/api/resources/Client/actions/list?page=1'
const semiSpace = process.env.SEMI ?? '2'
const top = Number(process.env.TOP ?? 20)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'read-allocations-'))
const out = path.join(dir, 'profile.json')
const preload = path.join(dir, 'preload.cjs')
fs.writeFileSync(
  preload,
  `const inspector = require('node:inspector'); const fs = require('node:fs')
const session = new inspector.Session(); session.connect()
const flags = { samplingInterval: 2048, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }
process.on('SIGUSR2', () => session.post('HeapProfiler.startSampling', flags, (error) => error && console.error(error)))
process.on('SIGHUP', () => session.post('HeapProfiler.stopSampling', (error, result) => error ? console.error(error) : fs.writeFileSync(${JSON.stringify(out)}, JSON.stringify(result.profile))))
`,
)

type Node = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] }
const app = await startApp({}, ['--max-old-space-size=320', `--max-semi-space-size=${semiSpace}`, '--trace-gc', '-r', preload])
let gcLog = ''
app.child.stdout!.on('data', (chunk) => (gcLog += chunk))
try {
  const cookie = await login(app.url, firstAdminEmail)
  const load = (seconds: number) =>
    autocannon({ url: app.url + readPath, connections, duration: seconds, headers: { cookie, ...proxyHeaders } }) as unknown as Promise<{ requests: { total: number }; non2xx: number }>
  await load(5)
  gcLog = ''
  app.child.kill('SIGUSR2')
  await sleep(200)
  const measured = await load(8)
  const gcLines = gcLog.split('\n')
  app.child.kill('SIGHUP')
  for (let waited = 0; !fs.existsSync(out) && waited < 10_000; waited += 100) await sleep(100)
  await sleep(300)
  const requests = measured.requests.total
  const pauseMs = (line: string) => Number(/, ([\d.]+) \/ [\d.]+ ms/.exec(line)?.[1] ?? 0)
  const scavenges = gcLines.filter((line) => line.includes('Scavenge'))
  const full = gcLines.filter((line) => line.includes('Mark-Compact'))
  const bySite = new Map<string, number>()
  let total = 0
  const walk = (node: Node) => {
    const frame = node.callFrame
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(`file://${process.cwd()}/`, '')}:${frame.lineNumber + 1}`
    total += node.selfSize
    if (node.selfSize) bySite.set(name, (bySite.get(name) ?? 0) + node.selfSize)
    for (const child of node.children) walk(child)
  }
  walk((JSON.parse(fs.readFileSync(out, 'utf8')) as { head: Node }).head)
  const sum = (lines: string[]) => lines.reduce((all, line) => all + pauseMs(line), 0)
  console.log(`${readPath}, --max-semi-space-size=${semiSpace}: ${requests} requests in 8 s (${measured.non2xx} not 2xx)`)
  console.log(`allocated ${(total / requests / 1024).toFixed(1)} KB per request (sampled)`)
  console.log(`GC: ${scavenges.length} scavenges ${sum(scavenges).toFixed(0)} ms, ${full.length} full ${sum(full).toFixed(0)} ms = ${((sum(scavenges) + sum(full)) / requests).toFixed(3)} ms per request`)
  console.log('\n| KB per request | allocated in |\n|---:|---|')
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${(bytes / requests / 1024).toFixed(2)} | \`${site}\` |`)
} finally {
  await app.stop()
  fs.rmSync(dir, { recursive: true, force: true })
}
process.exit(0)
