import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { QueryTypes, type Sequelize } from 'sequelize'
import { openDatabase } from '../db/database.js'
import { snapshotFile } from '../db/embedded-snapshot.js'
import { MIGRATION_FILE } from '../db/migrations-folder.js'
import { databaseUrlOn, onServer } from '../db/on-server.js'

export type ScratchDatabase = { sequelize: Sequelize; close: () => Promise<void> }

/**
 * A throwaway database to migrate and read back: an in-memory embedded PostgreSQL, or, given a
 * server's URL, a fresh database on it that is dropped on close (as the test harness does).
 */
export async function openScratchDatabase(options: { databaseUrl?: string } = {}): Promise<ScratchDatabase> {
  if (!options.databaseUrl) {
    // Loading the migrated snapshot and emptying it is quicker than initdb (when `npm install` made one).
    const snapshot = snapshotFile()
    const fromSnapshot = existsSync(snapshot)
    const db = await openDatabase({ databaseUrl: undefined, dataDir: '', dbPoolMax: 5, inMemory: true, snapshotFile: fromSnapshot ? snapshot : undefined })
    if (fromSnapshot) await resetScratchDatabase(db.sequelize)
    return { sequelize: db.sequelize, close: db.close }
  }
  const server = options.databaseUrl
  const name = `scratch_${process.pid}_${randomBytes(4).toString('hex')}`
  await onServer(server, `CREATE DATABASE ${name}`)
  // Thrown away after: its commits (every migration applied and reverted) need not wait for the disk.
  await onServer(server, `ALTER DATABASE ${name} SET synchronous_commit = off`)
  const db = await openDatabase({ databaseUrl: databaseUrlOn(server, name), dataDir: '', dbPoolMax: 2 })
  return {
    sequelize: db.sequelize,
    close: async () => {
      await db.close()
      await onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

/** Empties a scratch database, so one can serve several comparisons (starting one takes seconds). */
export async function resetScratchDatabase(sequelize: Sequelize) {
  const schemas = (await sequelize.query(
    `SELECT nspname AS name FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`,
    { type: QueryTypes.SELECT },
  )) as { name: string }[]
  await sequelize.query(
    [...schemas.map(({ name }) => `DROP SCHEMA "${name}" CASCADE;`), 'CREATE SCHEMA public;'].join('\n'),
  )
}

/** The migration files of a directory, in the order they apply. */
export async function migrationFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((file) => MIGRATION_FILE.test(file) && !file.endsWith('.d.ts')).sort()
}

/** `migrations/0003-client-throughput.ts` for the name `client-throughput` after 0002. */
export async function nextMigrationPath(dir: string, name: string): Promise<string> {
  const numbers = (await migrationFiles(dir)).map((file) => Number(file.match(MIGRATION_FILE)![1]))
  const next = String(Math.max(0, ...numbers) + 1).padStart(4, '0')
  return path.join(dir, `${next}-${name}.ts`)
}
