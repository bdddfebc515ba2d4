import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

// Owns the tests' real server processes: `node src/server.js` from a transpiled copy of the
// sources, as `npm start` runs it. Spawning through tsx instead cost each process ~2 s of CPU in
// loader hooks (they run for every one of AdminJS's modules). Under `npm test` the tests run from
// such a copy already and use its server; a file run through tsx makes a copy of its own on first
// use, removed when the process exits.

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

let serverFile: Promise<string> | undefined
/** The transpiled `src/server.js` this test process spawns. */
export function serverEntry(): Promise<string> {
  serverFile ??= (async () => {
    const sameCopy = fileURLToPath(new URL('../../src/server.js', import.meta.url))
    if (import.meta.url.endsWith('.js') && existsSync(sameCopy)) return sameCopy
    // Imported here: the transpiled copy holds only the .ts sources, not src/scripts/*.mjs.
    const { transpiledDir, transpileSources } = await import('../../src/scripts/transpile.mjs')
    const outdir = transpiledDir(`test-server-${process.pid}`)
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }))
    return transpileSources(outdir)
  })()
  return serverFile
}

export type ServerProcess = { url: string; child: ChildProcess; output: () => string; exited: Promise<number | null> }

/**
 * Starts a server process on a free port with `env` (over quiet test defaults: fast bcrypt, warnings
 * only, a small pool) and waits until its /health answers 200. `readyTimeoutMs` is generous: a
 * loaded machine may take many seconds to start a process.
 */
export async function startServerProcess(env: Record<string, string>, { readyTimeoutMs = 120_000 } = {}): Promise<ServerProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, [await serverEntry()], {
    env: { PATH: process.env.PATH!, PORT: String(port), BCRYPT_ROUNDS: '4', LOG_LEVEL: 'warn', DB_POOL_MAX: '3', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  for (const deadline = Date.now() + readyTimeoutMs; Date.now() < deadline; ) {
    if (await fetch(`${url}/health`).then((response) => response.ok, () => false)) return { url, child, output: () => output, exited }
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill('SIGKILL')
  throw new Error(`server did not start:\n${output}`)
}

/**
 * Starts `count` server processes on one database at the same moment. If one fails to start, the
 * others are stopped before the error is thrown: a server left running holds its test process open
 * for good (the after() hooks that would stop it know nothing of it), which once held a CI run
 * until its time ran out.
 */
export async function startServerProcesses(count: number, env: Record<string, string>): Promise<ServerProcess[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => startServerProcess(env)))
  const failed = results.find((result) => result.status === 'rejected')
  if (!failed) return results.map((result) => (result as PromiseFulfilledResult<ServerProcess>).value)
  for (const result of results) if (result.status === 'fulfilled') result.value.child.kill('SIGKILL')
  throw failed.reason
}
