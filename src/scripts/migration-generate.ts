import path from 'node:path'
import { migrationsDir } from '../db/migrations-folder.js'
import { definitions } from '../models/index.js'
import { LEGEND, formatDifferences } from '../schema/diff.js'
import { generateMigration } from '../schema/index.js'

// `npm run migration:generate -- <name>`: writes migrations/<next NNNN>-<name>.ts for whatever the
// resource definitions declare and the migrations do not create yet (see docs/adding-a-field.md).

const name = process.argv.slice(2).join(' ')
if (!name.trim()) {
  console.error('Usage: npm run migration:generate -- <name>   (e.g. client-throughput)')
  process.exit(2)
}

try {
  const { diff, file } = await generateMigration({ definitions: Object.values(definitions), migrationsDir, name })
  if (!file) {
    console.log('No change: the migrations already create what the resource definitions describe. No file written.')
  } else {
    console.log(`Wrote ${path.relative(process.cwd(), file)} ${LEGEND}:\n\n${formatDifferences(diff.differences)}\n`)
    if (diff.warnings.length) {
      console.warn(`Could not do by itself — hand-edit the migration where needed:\n${diff.warnings.map((w) => `  - ${w}`).join('\n')}\n`)
    }
    console.log('Review it, then `npm run migrate` (and `npm run migration:check`).')
  }
} catch (error) {
  // A migration that does not apply, or a definition PostgreSQL refuses: say which, not a stack.
  const failure = error as { message: string; parent?: { message: string }; sql?: string }
  console.error(`migration:generate failed: ${failure.parent?.message ?? failure.message}`)
  if (failure.sql) console.error(`in:\n${failure.sql.slice(0, 2000)}`)
  process.exitCode = 2
}
