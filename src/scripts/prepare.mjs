// npm runs this after `npm install` / `npm ci` in this folder (the `prepare` script): it makes the
// snapshot of a migrated embedded database now, so the first `npm start` loads it instead of
// running initdb and every migration (see src/db/embedded-snapshot.ts). Never fails the install:
// without the snapshot everything still works, only the first start is slower.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const skip = (why) => {
  if (why) console.log(`Skipped the embedded database snapshot: ${why}.`)
  process.exit(0)
}
// A production install (dev dependencies left out) runs the built server against DATABASE_URL.
if (process.env.NODE_ENV === 'production') skip()
try {
  createRequire(import.meta.url).resolve('tsx')
} catch {
  skip()
}
const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/scripts/embedded-snapshot.ts'], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' })
if (run.status !== 0) skip(`${(run.stderr || `exit code ${run.status}`).trim().split('\n')[0]} (the first npm start will set up the database itself)`)
