import path from 'node:path'
import { fileURLToPath } from 'node:url'

// Owns where the project's migrations are and how their files are named (no umzug here: the start
// reads these without loading the migrator).

/** The project's migrations: `migrations/` under tsx, `dist/migrations/` after the build (two levels up either way). */
export const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations')

/** `0003-client-throughput.ts` (or `.js` when built); the number orders them. */
export const MIGRATION_FILE = /^(\d{4})-.+\.(ts|js)$/
