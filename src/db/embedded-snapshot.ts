import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { startEmbeddedDatabase } from './embedded.js'
import { MIGRATION_FILE, migrationSourcesDir } from './migrations-folder.js'

// Owns the snapshot of a freshly migrated embedded database (node_modules/.cache/sms-client-admin/):
// loading it takes a fraction of what initdb plus every migration take, for the first `npm start`
// and for every embedded test database. Its name carries a hash of the migrations' sources and the
// PGlite version, so a changed migration or upgrade never loads an outdated one.

const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
const nodeModules = pgliteEntry.slice(0, pgliteEntry.lastIndexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules'.length)
const pglitePackage = path.join(nodeModules, '@electric-sql', 'pglite', 'package.json')
const cacheDir = path.join(nodeModules, '.cache', 'sms-client-admin')

/** A short hash of what decides the snapshot's content: the migrations and the PGlite build. */
export function migrationsKey(): string {
  const hash = createHash('sha256').update(JSON.parse(readFileSync(pglitePackage, 'utf8')).version)
  const dir = migrationSourcesDir()
  for (const file of readdirSync(dir).filter((name) => MIGRATION_FILE.test(name) && !name.endsWith('.d.ts')).sort()) {
    hash.update(file).update(readFileSync(path.join(dir, file)))
  }
  return hash.digest('hex').slice(0, 16)
}

/** Where the snapshot for the current migrations is (or would be). */
export function snapshotFile(): string {
  return path.join(cacheDir, `embedded-${migrationsKey()}.tar.gz`)
}

/** The snapshot for the current migrations, made now (initdb and migrations, ~10 s) if there is none yet. */
export async function ensureSnapshot(): Promise<string> {
  const file = snapshotFile()
  if (existsSync(file)) return file
  const [{ Sequelize }, { migrateUp }] = await Promise.all([import('sequelize'), import('./migrator.js')])
  const embedded = await startEmbeddedDatabase(undefined)
  try {
    const sequelize = new Sequelize(embedded.url, { dialect: 'postgres', logging: false, pool: { max: 2 } })
    await migrateUp(sequelize)
    await sequelize.close()
    const dump = await embedded.dump()
    await mkdir(cacheDir, { recursive: true })
    // Written aside and renamed: a concurrent reader (parallel test files) sees all of it or nothing.
    const partial = `${file}.${process.pid}.partial`
    await writeFile(partial, dump)
    await rename(partial, file)
    for (const old of await readdir(cacheDir)) {
      if (/^embedded-[0-9a-f]+\.tar\.gz$/.test(old) && path.join(cacheDir, old) !== file) await rm(path.join(cacheDir, old), { force: true })
    }
  } finally {
    await embedded.stop()
  }
  return file
}
