import { migrationsDir } from '../db/migrations-folder.js'
import { definitions } from '../models/index.js'
import { compareSchema, driftReport } from '../schema/index.js'

// `npm run migration:check`: fails when the resource definitions and the schema the migrations
// build disagree, so a field added without its migration (or the reverse) never reaches main.
// It migrates a throwaway in-memory database: DATABASE_URL is never touched.

try {
  const diff = await compareSchema({ definitions: Object.values(definitions), migrationsDir })
  if (diff.differences.length) {
    console.error(driftReport(diff, migrationsDir))
    process.exitCode = 1
  } else {
    const tables = Object.values(definitions).map((definition) => definition.table)
    console.log(`Schema in sync: the migrations create what the resource definitions describe (${tables.join(', ')}).`)
  }
} catch (error) {
  const failure = error as { message: string; parent?: { message: string }; sql?: string }
  console.error(`migration:check failed: ${failure.parent?.message ?? failure.message}`)
  if (failure.sql) console.error(`in:\n${failure.sql.slice(0, 2000)}`)
  process.exitCode = 2
}
