import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Sequelize } from 'sequelize'

// Owns where the project's migrations are and how their files are named (no umzug here: the start
// reads these without loading the migrator).

/** The project's migrations: `migrations/` under tsx, `dist/migrations/` after the build (two levels up either way). */
export const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations')

/**
 * The project's migration sources (`migrations/*.ts` beside package.json), also when this module runs
 * from a transpiled copy (npm start, npm test, dist/), whose own migrations are compiled: the
 * embedded snapshot's name hashes the sources, so every copy finds the snapshot `npm install` made.
 */
export function migrationSourcesDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir)
  return path.join(dir, 'migrations')
}

/** `0003-client-throughput.ts` (or `.js` when built); the number orders them. */
export const MIGRATION_FILE = /^(\d{4})-.+\.(ts|js)$/

/**
 * Whether the database lacks any of the project's migrations: a start with nothing to apply (the
 * usual case) asks with one query instead of loading umzug and its command line.
 */
export async function hasPendingMigrations(sequelize: Sequelize): Promise<boolean> {
  const names = (await readdir(migrationsDir)).filter((file) => MIGRATION_FILE.test(file) && !file.endsWith('.d.ts')).map((file) => file.replace(/\.(ts|js)$/, ''))
  const [rows] = await sequelize.query(`SELECT name FROM schema_migrations`).catch(() => [[]])
  const applied = new Set((rows as { name: string }[]).map((row) => row.name))
  return names.some((name) => !applied.has(name))
}
