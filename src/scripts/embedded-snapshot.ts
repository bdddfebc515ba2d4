import path from 'node:path'
import { ensureSnapshot } from '../db/embedded-snapshot.js'

// `npm run db:snapshot` (and `npm install`, through prepare.mjs): makes the snapshot of a migrated
// embedded database that the first `npm start` and the embedded test databases start from.
const started = performance.now()
const file = await ensureSnapshot()
console.log(`Embedded database snapshot ready: ${path.relative(process.cwd(), file)} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
