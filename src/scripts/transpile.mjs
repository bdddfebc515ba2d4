// Owns the transpiled copies of the sources that `npm start` runs (src/scripts/start.mjs), that
// `npm test` runs (src/scripts/test.mjs) and that tests start server processes from
// (test/helpers/server-process.ts): esbuild turns src/, migrations/ and seeders/ (and test/ for
// `npm test`) file by file into plain ESM under node_modules/.cache (a few tenths of a second).
// Under node_modules so that the copies resolve the project's packages; the same layout as the
// project, so paths relative to a module (migrations/, src/panel/components/) still hold.
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** `node_modules/.cache/sms-client-admin/<name>`: where a transpiled copy called `name` lives. */
export const transpiledDir = (name) => path.join(projectRoot, 'node_modules', '.cache', 'sms-client-admin', name)

/** (Re)makes the copy in `outdir` (with test/ when `tests`); resolves to the path of its `src/server.js`. */
export async function transpileSources(outdir, { tests = false } = {}) {
  // Emptied first: a deleted source (a migration above all) must not live on in an old output.
  await rm(outdir, { recursive: true, force: true })
  await build({
    absWorkingDir: projectRoot,
    entryPoints: ['src/**/*.ts', 'migrations/*.ts', 'seeders/*.ts', ...(tests ? ['test/**/*.ts'] : [])],
    outdir,
    outbase: projectRoot,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'external',
    logLevel: 'warning',
  })
  return path.join(outdir, 'src', 'server.js')
}
