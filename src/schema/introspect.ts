import { QueryTypes, type Sequelize } from 'sequelize'

/**
 * A table as PostgreSQL keeps it, read from pg_catalog. Types, defaults and constraint bodies are
 * PostgreSQL's own rendering (format_type, pg_get_expr, pg_get_constraintdef, pg_get_indexdef), so
 * two tables built from differently written SQL compare equal when PostgreSQL sees them as equal.
 */
/** `generated`: the expression of a stored generated column (pg_attrdef holds it in place of a default). */
export type ActualColumn = { name: string; type: string; notNull: boolean; default: string | null; generated: string | null }
export type ActualConstraint = { name: string; type: 'check' | 'unique' | 'foreign key'; definition: string }
export type ActualIndex = { name: string; definition: string }
export type ActualTrigger = { name: string; definition: string }
export type ActualTable = {
  table: string
  columns: Map<string, ActualColumn>
  constraints: Map<string, ActualConstraint>
  /** Indexes of their own, not those behind a primary key or unique constraint. */
  indexes: Map<string, ActualIndex>
  /** Row and statement triggers written in migrations (not those behind foreign keys). */
  triggers: Map<string, ActualTrigger>
}

const constraintTypes = { c: 'check', u: 'unique', f: 'foreign key' } as const

/**
 * Schema qualifiers are dropped: the desired schema is built in a schema of its own beside the
 * migrated one, and `desired.admin_users` must read like `admin_users`.
 */
const unqualify = (sql: string, schema: string) =>
  sql.replace(new RegExp(`\\b(REFERENCES|ON) (${schema}|public)\\.`, 'g'), '$1 ')

export async function introspect(sequelize: Sequelize, schema: string, tables: string[]): Promise<Map<string, ActualTable>> {
  const result = new Map<string, ActualTable>()
  if (!tables.length) return result
  const replacements = { schema, tables }
  const columns = (await sequelize.query(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS "notNull",
            CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default,
            CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = :schema AND c.relkind = 'r' AND c.relname IN (:tables) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
    { replacements, type: QueryTypes.SELECT },
  )) as (ActualColumn & { table: string })[]
  for (const { table, ...column } of columns) {
    if (!result.has(table)) result.set(table, { table, columns: new Map(), constraints: new Map(), indexes: new Map(), triggers: new Map() })
    result.get(table)!.columns.set(column.name, column)
  }

  const constraints = (await sequelize.query(
    `SELECT c.relname AS table, con.conname AS name, con.contype AS type, pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = :schema AND c.relname IN (:tables) AND con.contype IN ('c', 'u', 'f')
      ORDER BY c.relname, con.conname`,
    { replacements, type: QueryTypes.SELECT },
  )) as { table: string; name: string; type: keyof typeof constraintTypes; definition: string }[]
  for (const { table, name, type, definition } of constraints) {
    result.get(table)?.constraints.set(name, { name, type: constraintTypes[type], definition: unqualify(definition, schema) })
  }

  const indexes = (await sequelize.query(
    `SELECT t.relname AS table, i.relname AS name, pg_get_indexdef(i.oid) AS definition
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = :schema AND t.relname IN (:tables)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))
      ORDER BY t.relname, i.relname`,
    { replacements, type: QueryTypes.SELECT },
  )) as { table: string; name: string; definition: string }[]
  for (const { table, name, definition } of indexes) {
    result.get(table)?.indexes.set(name, { name, definition: unqualify(definition, schema) })
  }

  const triggers = (await sequelize.query(
    `SELECT c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition
       FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = :schema AND c.relname IN (:tables) AND NOT t.tgisinternal
      ORDER BY c.relname, t.tgname`,
    { replacements, type: QueryTypes.SELECT },
  )) as { table: string; name: string; definition: string }[]
  for (const { table, name, definition } of triggers) {
    result.get(table)?.triggers.set(name, { name, definition: unqualify(definition, schema) })
  }
  return result
}

/**
 * PostgreSQL's spelling of a type, shortened to how the migrations write it, for messages and for
 * the `down` of a generated migration.
 */
export const readableType = (type: string) =>
  type
    .replace(/^character varying/, 'varchar')
    .replace(/^timestamp with time zone/, 'timestamptz')
    .replace(/^time without time zone/, 'time')
    .replace(/^timestamp without time zone/, 'timestamp')

/** `'manual'::character varying` → `'manual'`: the cast to the column's own type says nothing. */
export const readableDefault = (expression: string) =>
  expression.replace(/^('(?:[^']|'')*')::(character varying|text)$/, '$1')

const NUMBER = String.raw`\(?(\d+(?:\.\d+)?)\)?(?:::numeric)?`
const RANGE_BOTH = new RegExp(String.raw`^CHECK \(\(\((\w+) >= ${NUMBER}\) AND \(\1 <= ${NUMBER}\)\)\)$`)
const RANGE_ONE = new RegExp(String.raw`^CHECK \(\((\w+) (>=|<=) ${NUMBER}\)\)$`)
const LENGTH = /^CHECK \(\((char_length\(\w+\) <= \d+)\)\)$/
const ENUM = /^CHECK \(\(\((\w+)\)::text = ANY \(\(ARRAY\[(.*)\]\)::text\[\]\)\)\)$/
const ENUM_VALUE = /'(?:[^']|'')*'::character varying/g

/**
 * A convention constraint as the migrations write it: `CHECK (role IN ('admin', 'manager'))`
 * rather than PostgreSQL's `CHECK (((role)::text = ANY ((ARRAY['admin'::character varying, …`.
 * Besides reading better, PostgreSQL's text of an enum check does not survive being run again
 * unchanged (the casts move), so a `down` that re-adds a check uses this form. Anything else is
 * returned as PostgreSQL shows it.
 */
export function readableConstraint(definition: string): string {
  let match = definition.match(RANGE_BOTH)
  if (match) return `CHECK (${match[1]} BETWEEN ${match[2]} AND ${match[3]})`
  match = definition.match(RANGE_ONE)
  if (match) return `CHECK (${match[1]} ${match[2]} ${match[3]})`
  match = definition.match(LENGTH)
  if (match) return `CHECK (${match[1]})`
  match = definition.match(ENUM)
  if (match) {
    const values = match[2].match(ENUM_VALUE) ?? []
    if (values.join(', ') === match[2]) {
      return `CHECK (${match[1]} IN (${values.map((value) => value.replace(/::character varying$/, '')).join(', ')}))`
    }
  }
  return definition
}
