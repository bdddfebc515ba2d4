import {
  CONSTRAINT_RULES,
  INDEX_RULES,
  TRIGGER_NAMES,
  columnDefinitionSql,
  columnTypeSql,
  constraintSql,
  createTableSql,
  ident,
  indexSql,
  searchIndexName,
  triggerSql,
  type ColumnSpec,
  type ConstraintSpec,
  type TableSpec,
} from './desired.js'
import { readableConstraint, readableDefault, readableType, type ActualColumn, type ActualTable } from './introspect.js'

/** `+` only in the definitions, `-` only in the migrated schema, `~` in both but different. */
export type Difference = { table: string; sign: '+' | '-' | '~'; subject: string; detail: string }

/** One statement of the migration and the statement that undoes it ('' for none). */
export type Step = { phase: number; up: string; down: string }

export type SchemaDiff = {
  differences: Difference[]
  /** In the order `up` runs them; `down` runs the reverse. */
  steps: Step[]
  /** What the generated SQL cannot do by itself: renames, filling NOT NULL columns, conversions. */
  warnings: string[]
}

// Up runs drops before alterations before additions, so that a replaced check never meets a
// column type it was not written for; down undoes the steps in reverse.
const PHASE = {
  dropConstraint: 1,
  dropIndex: 2,
  dropColumn: 3,
  alterType: 4,
  alterDefault: 5,
  alterNull: 6,
  createTable: 7,
  addColumn: 8,
  addConstraint: 9,
  addIndex: 10,
  dropTrigger: 11,
  addTrigger: 12,
  analyze: 13,
}

/**
 * Compares the desired schema (`specs`, and `desired`: the same built in a scratch schema and read
 * back) with the migrated one (`current`). Only what the definitions describe is compared: their
 * tables' columns (but `id`) and the constraints and indexes named `<table>_<column>_<rule>`.
 */
export function diffSchemas(
  specs: readonly TableSpec[],
  current: Map<string, ActualTable>,
  desired: Map<string, ActualTable>,
): SchemaDiff {
  const result: SchemaDiff = { differences: [], steps: [], warnings: [] }
  const missing = specs.filter((spec) => !current.has(spec.table))
  for (const spec of createOrder(missing)) newTable(spec, result)
  for (const spec of specs) {
    const actual = current.get(spec.table)
    if (actual) diffTable(spec, actual, desired.get(spec.table)!, result)
  }
  result.steps.sort((a, b) => a.phase - b.phase)
  return result
}

function newTable(spec: TableSpec, result: SchemaDiff) {
  result.differences.push({ table: spec.table, sign: '+', subject: spec.table, detail: 'table only in the definitions' })
  result.steps.push({ phase: PHASE.createTable, up: createTableSql(spec), down: `DROP TABLE ${ident(spec.table)}` })
}

/** New tables referenced by other new tables come first. */
function createOrder(specs: TableSpec[]): TableSpec[] {
  const ordered: TableSpec[] = []
  const visit = (spec: TableSpec, seen: Set<string>) => {
    if (ordered.includes(spec) || seen.has(spec.table)) return
    seen.add(spec.table)
    for (const constraint of spec.constraints) {
      const target = constraint.rule === 'fkey' ? specs.find((other) => other.table === constraint.references) : undefined
      if (target && target !== spec) visit(target, seen)
    }
    ordered.push(spec)
  }
  for (const spec of specs) visit(spec, new Set())
  return ordered
}

/** A column as it stands, written as columnTypeSql writes a wanted one. */
const columnSql = (column: ActualColumn) =>
  columnTypeSql({
    name: column.name,
    type: readableType(column.type),
    notNull: column.notNull,
    default: column.default === null ? undefined : readableDefault(column.default),
    generated: column.generated ?? undefined,
  })

const baseType = (type: string) => readableType(type).replace(/\(.*\)/, '')
const varcharLength = (type: string) => Number(readableType(type).match(/^varchar\((\d+)\)$/)?.[1] ?? NaN)

function diffTable(spec: TableSpec, actual: ActualTable, desired: ActualTable, result: SchemaDiff) {
  const { table } = spec
  const t = ident(table)
  const difference = (sign: Difference['sign'], subject: string, detail: string) =>
    result.differences.push({ table, sign, subject, detail })
  const step = (phase: number, up: string, down: string) => result.steps.push({ phase, up, down })

  // Columns.
  const wanted = new Map(spec.columns.map((column) => [column.name, column]))
  const added = spec.columns.filter((column) => !actual.columns.has(column.name))
  const removed = [...actual.columns.values()].filter((column) => column.name !== 'id' && !wanted.has(column.name))
  /** Constraints written inline in an ADD COLUMN, not added again on their own. */
  const inlined = new Set<string>()
  /** Generated columns dropped and added again (PostgreSQL 15 cannot change the expression): their indexes go with them. */
  const replaced = new Set<string>()
  // The planner knows nothing of a new generated column's values until the table is analyzed.
  let analyze = added.some((column) => column.generated !== undefined)

  for (const column of added) {
    const own = spec.constraints.filter((constraint) => constraint.column === column.name)
    own.forEach((constraint) => inlined.add(constraint.name))
    difference('+', column.name, `column ${columnTypeSql(column)}`)
    for (const constraint of own) difference('+', constraint.name, constraintSql(constraint))
    step(
      PHASE.addColumn,
      `ALTER TABLE ${t}\n  ADD COLUMN ${columnDefinitionSql(column, own, '    ')}`,
      `ALTER TABLE ${t} DROP COLUMN ${ident(column.name)}`,
    )
    if (column.notNull && column.default === undefined) {
      result.warnings.push(
        `${table}.${column.name} is NOT NULL without a default: adding it fails on a table that has rows. ` +
          `Give the field a default, or hand-edit the migration: add it nullable, fill it, then SET NOT NULL.`,
      )
    }
  }
  // Constraints and indexes named after a column of this table by the convention.
  const columnNames = new Set([...actual.columns.keys(), ...wanted.keys()])
  const owned = (name: string, rules: readonly string[]) =>
    rules.some((rule) => [...columnNames].some((column) => name === `${table}_${column}_${rule}`)) ||
    (rules === INDEX_RULES && name === searchIndexName(table))

  for (const column of removed) {
    difference('-', column.name, `column ${columnSql(column)}`)
    step(
      PHASE.dropColumn,
      `ALTER TABLE ${t} DROP COLUMN ${ident(column.name)}`,
      `ALTER TABLE ${t} ADD COLUMN ${ident(column.name)} ${columnSql(column)}`,
    )
    if (column.generated !== null) continue // computed again from the other columns: nothing is lost
    // Hand-written checks and indexes on the column go with it, and down cannot bring them back.
    const mentions = new RegExp(`\\b${column.name}\\b`)
    const handWritten = [
      ...[...actual.constraints.values()].filter((c) => !owned(c.name, CONSTRAINT_RULES) && mentions.test(c.definition)),
      ...[...actual.indexes.values()].filter((i) => !owned(i.name, INDEX_RULES) && mentions.test(i.definition.replace(/^.* USING /, ''))),
    ].map((object) => object.name)
    result.warnings.push(
      `${table}.${column.name} is dropped with its data` +
        (handWritten.length ? ` and with ${handWritten.join(', ')}` : '') +
        `; down brings back the empty column` +
        (handWritten.length ? ', not those' : '') +
        (column.notNull && column.default === null ? ' (and fails on a table with rows: NOT NULL without a default)' : '') +
        '. Check hand-written triggers that use it.',
    )
  }
  if (added.length && removed.length) {
    const from = removed.map((column) => column.name).join(', ')
    const to = added.map((column) => column.name).join(', ')
    result.warnings.push(
      `${table}: ${from} removed and ${to} added. If that is a rename, hand-edit the migration to ` +
        `ALTER TABLE ${t} RENAME COLUMN <old> TO <new> (and its constraints with RENAME CONSTRAINT); as generated, the old column's data is lost.`,
    )
  }

  for (const column of spec.columns) {
    const now = actual.columns.get(column.name)
    const then = desired.columns.get(column.name)
    if (!now || !then) continue
    if (now.generated !== then.generated || (now.generated !== null && now.type !== then.type)) {
      difference('~', column.name, `migrations ${columnSql(now)}, definitions ${columnTypeSql(column)}`)
      step(PHASE.dropColumn, `ALTER TABLE ${t} DROP COLUMN ${ident(column.name)}`, `ALTER TABLE ${t} ADD COLUMN ${ident(column.name)} ${columnSql(now)}`)
      step(PHASE.addColumn, `ALTER TABLE ${t}\n  ADD COLUMN ${columnDefinitionSql(column, [], '    ')}`, `ALTER TABLE ${t} DROP COLUMN ${ident(column.name)}`)
      replaced.add(column.name)
      analyze = true
      continue
    }
    alterColumn(table, column, now, then, difference, step, result.warnings)
  }

  const wantedConstraints = new Map(spec.constraints.map((constraint) => [constraint.name, constraint]))
  for (const constraint of spec.constraints) {
    if (inlined.has(constraint.name)) continue
    const now = actual.constraints.get(constraint.name)
    const then = desired.constraints.get(constraint.name)!
    const add = `ALTER TABLE ${t} ADD CONSTRAINT ${ident(constraint.name)} ${constraintSql(constraint)}`
    const drop = `ALTER TABLE ${t} DROP CONSTRAINT ${ident(constraint.name)}`
    if (!now) {
      difference('+', constraint.name, constraintSql(constraint))
      step(PHASE.addConstraint, add, drop)
    } else if (now.definition !== then.definition) {
      difference('~', constraint.name, `migrations ${readableConstraint(now.definition)}, definitions ${constraintSql(constraint)}`)
      step(PHASE.dropConstraint, drop, `ALTER TABLE ${t} ADD CONSTRAINT ${ident(constraint.name)} ${readableConstraint(now.definition)}`)
      step(PHASE.addConstraint, add, drop)
    }
  }
  for (const now of actual.constraints.values()) {
    if (wantedConstraints.has(now.name) || !owned(now.name, CONSTRAINT_RULES)) continue
    difference('-', now.name, readableConstraint(now.definition))
    step(
      PHASE.dropConstraint,
      `ALTER TABLE ${t} DROP CONSTRAINT ${ident(now.name)}`,
      `ALTER TABLE ${t} ADD CONSTRAINT ${ident(now.name)} ${readableConstraint(now.definition)}`,
    )
  }

  const wantedIndexes = new Map(spec.indexes.map((index) => [index.name, index]))
  for (const index of spec.indexes) {
    const now = actual.indexes.get(index.name)
    const then = desired.indexes.get(index.name)!
    const create = indexSql(table, index)
    const drop = `DROP INDEX ${ident(index.name)}`
    if (!now) {
      difference('+', index.name, create)
      step(PHASE.addIndex, create, drop)
    } else if (now.definition !== then.definition || replaced.has(index.column)) {
      difference('~', index.name, `migrations ${now.definition}, definitions ${create}`)
      step(PHASE.dropIndex, drop, now.definition)
      step(PHASE.addIndex, create, drop)
    }
    // The planner knows nothing of an expression's values (how many rows a search matches) until
    // the table is analyzed, which autovacuum does only after many writes: a list would count a
    // broad search instead of estimating it.
    if (now?.definition !== then.definition && isExpression(index)) analyze = true
  }
  for (const now of actual.indexes.values()) {
    if (wantedIndexes.has(now.name) || !owned(now.name, INDEX_RULES)) continue
    difference('-', now.name, now.definition)
    step(PHASE.dropIndex, `DROP INDEX ${ident(now.name)}`, now.definition)
  }
  if (analyze) step(PHASE.analyze, `ANALYZE ${t}`, '')

  // Triggers: the history and version triggers a definition asks for, compared as PostgreSQL prints them.
  const wantedTriggers = new Map(spec.triggers.map((trigger) => [trigger.name, trigger]))
  for (const trigger of spec.triggers) {
    const now = actual.triggers.get(trigger.name)
    const then = desired.triggers.get(trigger.name)!
    const create = triggerSql(table, trigger)
    const drop = `DROP TRIGGER ${ident(trigger.name)} ON ${t}`
    if (!now) {
      difference('+', trigger.name, create)
      step(PHASE.addTrigger, create, drop)
    } else if (now.definition !== then.definition) {
      difference('~', trigger.name, `migrations ${now.definition}, definitions ${create}`)
      step(PHASE.dropTrigger, drop, now.definition)
      step(PHASE.addTrigger, create, drop)
    }
  }
  for (const now of actual.triggers.values()) {
    if (wantedTriggers.has(now.name) || !TRIGGER_NAMES.some((suffix) => now.name === `${table}_${suffix}`)) continue
    difference('-', now.name, now.definition)
    step(PHASE.dropTrigger, `DROP TRIGGER ${ident(now.name)} ON ${t}`, now.definition)
  }
}

/** An index on more than columns (each column's own statistics tell the planner nothing about it). */
const isExpression = (index: TableSpec['indexes'][number]) => index.expression.includes('(')

function alterColumn(
  table: string,
  column: ColumnSpec,
  now: ActualColumn,
  then: ActualColumn,
  difference: (sign: Difference['sign'], subject: string, detail: string) => void,
  step: (phase: number, up: string, down: string) => void,
  warnings: string[],
) {
  const alter = `ALTER TABLE ${ident(table)} ALTER COLUMN ${ident(column.name)}`
  if (now.type !== then.type) {
    difference('~', column.name, `type: migrations ${readableType(now.type)}, definitions ${column.type}`)
    // Within one type family PostgreSQL converts by itself; across families it needs to be told.
    const converts = baseType(now.type) === baseType(then.type)
    const using = (type: string) => (converts ? '' : ` USING ${ident(column.name)}::${type}`)
    step(
      PHASE.alterType,
      `${alter} TYPE ${column.type}${using(column.type)}`,
      `${alter} TYPE ${readableType(now.type)}${using(readableType(now.type))}`,
    )
    if (!converts) {
      warnings.push(`${table}.${column.name} changes from ${readableType(now.type)} to ${column.type}: check the USING conversion (and the default).`)
    } else if (varcharLength(then.type) < varcharLength(now.type)) {
      warnings.push(`${table}.${column.name} gets shorter (${column.type}): the migration fails while longer values are stored.`)
    }
  }
  if (now.default !== then.default) {
    const from = now.default === null ? 'none' : readableDefault(now.default)
    difference('~', column.name, `default: migrations ${from}, definitions ${column.default ?? 'none'}`)
    step(
      PHASE.alterDefault,
      column.default !== undefined ? `${alter} SET DEFAULT ${column.default}` : `${alter} DROP DEFAULT`,
      now.default !== null ? `${alter} SET DEFAULT ${readableDefault(now.default)}` : `${alter} DROP DEFAULT`,
    )
  }
  if (now.notNull !== then.notNull) {
    const nullable = (notNull: boolean) => (notNull ? 'NOT NULL' : 'nullable')
    difference('~', column.name, `nullability: migrations ${nullable(now.notNull)}, definitions ${nullable(then.notNull)}`)
    if (then.notNull) {
      // Rows stored while the column allowed NULL get the default, as a new row would.
      const fill =
        column.default !== undefined
          ? `UPDATE ${ident(table)} SET ${ident(column.name)} = ${column.default} WHERE ${ident(column.name)} IS NULL;\n`
          : ''
      step(PHASE.alterNull, `${fill}${alter} SET NOT NULL`, `${alter} DROP NOT NULL`)
      if (!fill) {
        warnings.push(`${table}.${column.name} becomes NOT NULL without a default: fill the NULLs first (hand-edit the migration).`)
      }
    } else {
      step(PHASE.alterNull, `${alter} DROP NOT NULL`, `${alter} SET NOT NULL`)
    }
  }
}

/** The differences as a table-by-table listing, for `migration:check` and the generator. */
export function formatDifferences(differences: readonly Difference[]): string {
  const width = Math.max(...differences.map((difference) => difference.subject.length))
  const tables = [...new Set(differences.map((difference) => difference.table))]
  return tables
    .map((table) =>
      [
        `  ${table}`,
        ...differences
          .filter((difference) => difference.table === table)
          .map((difference) => `    ${difference.sign} ${difference.subject.padEnd(width)}  ${difference.detail}`),
      ].join('\n'),
    )
    .join('\n')
}

export const LEGEND = '(+ only in the definitions, - only in the migrated schema, ~ different)'
