import { login, productionNodeArgs, proxyHeaders, startApp } from './app-server.js'
import type { Child } from './processes.js'
import { firstAdminEmail } from './seed.js'

/** A started build, signed in as the first admin. */
export type BuildInTurn = { app: Child; entry: string; round: number; headers: Record<string, string> }

/**
 * Builds measured side by side on a shared machine, where only neighbours compare:
 * BENCH_ENTRIES (comma-separated server entries, default dist/src/server.js; a copy of an older
 * build's dist/ beside dist/ runs as it is), BENCH_ROUNDS rounds (1), every other round in the
 * other order so that neither build always runs first; BENCH_NODE_ARGS replaces the server's Node
 * options. `measureOne` reports on one started build in one line, printed as it comes and all
 * together at the end.
 */
export async function buildsInTurn(measureOne: (build: BuildInTurn) => Promise<string>, extraEnv: Record<string, string> = {}) {
  const entries = (process.env.BENCH_ENTRIES ?? 'dist/src/server.js').split(',').filter(Boolean)
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1)
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : productionNodeArgs
  const lines: string[] = []
  for (let round = 1; round <= rounds; round++) {
    for (const entry of round % 2 ? entries : [...entries].reverse()) {
      const app = await startApp(extraEnv, nodeArgs, entry)
      try {
        const headers = { cookie: await login(app.url, firstAdminEmail), ...proxyHeaders }
        const line = await measureOne({ app, entry, round, headers })
        console.log(line)
        lines.push(line)
      } finally {
        await app.stop()
      }
    }
  }
  console.log(`\n${lines.join('\n')}`)
}
