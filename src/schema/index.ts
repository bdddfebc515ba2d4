import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { QueryTypes, type Sequelize } from 'sequelize'
import type { ResourceDefinition } from '../fields/model.js'
import { createTableSql, desiredSchema, foreignKeysSql } from './desired.js'
import { LEGEND, diffSchemas, formatDifferences, type SchemaDiff } from './diff.js'
import { introspect, type ActualTable } from './introspect.js'
import { renderMigration } from './render-migration.js'
import { createMigrator } from '../db/migrator.js'
import { nextMigrationPath, openScratchDatabase, resetScratchDatabase } from './scratch.js'

export type SchemaSource = {
  definitions: readonly ResourceDefinition[]
  /** Where the migrations are, and where a generated one goes. */
  migrationsDir: string
}

/** Where the desired schema is built, beside the migrated one in `public`. */
const DESIRED = 'desired_schema'

/**
 * Migrates a scratch database with every migration of `migrationsDir`, builds the schema the
 * definitions ask for beside it, reads both back and compares them. Both sides are PostgreSQL's
 * own rendering, so `x BETWEEN 1 AND 3` written by hand and generated compare equal.
 *
 * `scratch`: an empty database to use (and wipe) instead of starting an embedded one.
 */
export async function compareSchema(source: SchemaSource, scratch?: Sequelize): Promise<SchemaDiff> {
  const own = scratch ? undefined : await openScratchDatabase()
  const sequelize = scratch ?? own!.sequelize
  try {
    await resetScratchDatabase(sequelize)
    await createMigrator(sequelize, source.migrationsDir).up()

    const specs = desiredSchema(source.definitions)
    const tables = specs.map((spec) => spec.table)
    const known = new Set(tables)
    await sequelize.query(
      [
        `CREATE SCHEMA ${DESIRED}`,
        ...specs.map((spec) => createTableSql(spec, DESIRED)),
        ...specs.flatMap((spec) => foreignKeysSql(spec, DESIRED, known)),
      ].join(';\n'),
    )
    const current = await introspect(sequelize, 'public', tables)
    const desired = await introspect(sequelize, DESIRED, tables)
    await alignEquivalentDefaults(sequelize, current, desired)
    return diffSchemas(specs, current, desired)
  } finally {
    await own?.close()
  }
}

/**
 * `DEFAULT 0` and `DEFAULT 0.00` on a numeric(14,2) column are the same default written two ways:
 * where the texts differ, PostgreSQL evaluates both and says whether they give the same value.
 */
async function alignEquivalentDefaults(sequelize: Sequelize, current: Map<string, ActualTable>, desired: Map<string, ActualTable>) {
  for (const [table, wanted] of desired) {
    for (const column of wanted.columns.values()) {
      const actual = current.get(table)?.columns.get(column.name)
      if (!actual?.default || !column.default || actual.default === column.default) continue
      try {
        const [{ same }] = (await sequelize.query(
          `SELECT (${actual.default})::${column.type} IS NOT DISTINCT FROM (${column.default})::${column.type} AS same`,
          { type: QueryTypes.SELECT },
        )) as { same: boolean }[]
        if (same) column.default = actual.default
      } catch {
        // Not comparable by value (e.g. a type change makes one side invalid): a real difference.
      }
    }
  }
}

export type GenerateResult = { diff: SchemaDiff; file?: string }

/** Writes `<migrationsDir>/<next NNNN>-<name>.ts` for the differences; no differences, no file. */
export async function generateMigration(source: SchemaSource & { name: string }, scratch?: Sequelize): Promise<GenerateResult> {
  const name = migrationName(source.name)
  const diff = await compareSchema(source, scratch)
  if (!diff.steps.length) return { diff }
  const file = await nextMigrationPath(source.migrationsDir, name)
  await writeFile(file, renderMigration(diff, { name }), { flag: 'wx' })
  return { diff, file }
}

/** `Client throughput` → `client-throughput`. */
export function migrationName(name: string): string {
  const slug = name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  if (!slug) throw new Error('A migration needs a name, e.g. client-throughput')
  return slug
}

/** The readable report `migration:check` prints when definitions and migrations disagree. */
export function driftReport(diff: SchemaDiff, migrationsDir: string): string {
  const dir = path.relative(process.cwd(), migrationsDir) || migrationsDir
  return [
    `The resource definitions and the schema migrated by ${dir}/ disagree ${LEGEND}:`,
    '',
    formatDifferences(diff.differences),
    '',
    'Either write the migration (npm run migration:generate -- <name>) or change the definition back.',
  ].join('\n')
}

export { formatDifferences, type SchemaDiff } from './diff.js'
