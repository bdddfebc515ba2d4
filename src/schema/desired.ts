import { kinds, type FieldDef } from '../fields/kinds.js'
import { buildAttributes, columnName, fieldMap, fieldsOf, SEARCH_TEXT_COLUMN, searchTextSql, withVersioning, type ResourceDefinition } from '../fields/model.js'
import { handWrittenFor } from './hand-written.js'

/**
 * The schema the resource definitions ask for: per table its columns (type, NOT NULL, DEFAULT)
 * and every database rule that follows from the definition, named `<table>_<column>_<rule>` so
 * that a violation maps back to its field:
 * - CHECK constraints for ranges (`_range`), enums (`_check`), text lengths (`_length`) and
 *   patterns (`_pattern`); UNIQUE (`_unique`), case-insensitive (`_lower_unique`) and unique
 *   together with another field (`_unique`, an index on both); foreign keys with their ON DELETE;
 * - the stored, lower-cased search text of a table whose search looks into several fields
 *   (SEARCH_TEXT_COLUMN, a generated column);
 * - indexes: trigram (`_trgm`) for substring-filtered and searchable text (one, `<table>_search_trgm`,
 *   on the stored search text), plain (`_idx`) for references and sortable list columns;
 * - triggers: `<table>_history` (history: true) and `<table>_version` (versioned: true, or versionField).
 * Rules the early migrations wrote by hand under names of their own are taken as they are
 * (hand-written.ts), so that `migration:check` also notices one of those going missing.
 */

export type ColumnSpec = {
  name: string
  /** SQL type as a migration would spell it: varchar(64), integer, numeric(14,2), integer[], … */
  type: string
  notNull: boolean
  /** SQL expression, e.g. `50`, `'manual'`, `now()`. */
  default?: string
  /** The SQL expression of a column PostgreSQL computes and stores (GENERATED ALWAYS AS (…) STORED). */
  generated?: string
}

export type ConstraintSpec =
  | { name: string; column: string; rule: 'range' | 'check' | 'length' | 'pattern'; check: string }
  | { name: string; column: string; rule: 'unique' }
  | { name: string; column: string; rule: 'fkey'; references: string; onDelete?: string }

/** An index: its key (`lower(email)`, `client_id, lower(name)`, `name gin_trgm_ops`), unique or not, its method. */
export type IndexSpec = { name: string; column: string; expression: string; unique?: boolean; using?: 'gin'; where?: string }

/** A row trigger: `AFTER INSERT OR DELETE OR UPDATE` calling `record_change('Client')`. */
export type TriggerSpec = { name: string; timing: string; call: string }

export type TableSpec = {
  table: string
  resource: string
  columns: ColumnSpec[]
  constraints: ConstraintSpec[]
  indexes: IndexSpec[]
  triggers: TriggerSpec[]
}

/** The `<rule>` suffixes a constraint, index or trigger name carries when the definitions own it. */
export const CONSTRAINT_RULES = ['range', 'check', 'length', 'pattern', 'unique', 'fkey'] as const
export const INDEX_RULES = ['lower_unique', 'unique', 'trgm', 'idx'] as const
export const TRIGGER_NAMES = ['history', 'version'] as const

// PostgreSQL's reserved key words that could plausibly be a column name: those need quotes.
const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
    'current_date current_role current_time current_timestamp current_user default deferrable desc distinct do ' +
    'else end except false fetch for foreign from grant group having in initially intersect into lateral leading ' +
    'limit localtime localtimestamp not null offset on only or order placing primary references returning select ' +
    'session_user some symmetric system_user table then to trailing true union unique user using variadic when where window with')
    .split(' '),
)

export const ident = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replaceAll('"', '""')}"`)

export const qualified = (table: string, schema?: string) => (schema ? `${ident(schema)}.${ident(table)}` : ident(table))

export const literal = (value: string | number | boolean) =>
  typeof value === 'string' ? `'${value.replaceAll("'", "''")}'` : String(value)

/** A whole number (an id) written into SQL; anything else is refused, never written. */
export const integerSql = (value: number) => {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not a whole number: ${value}`)
  return String(value)
}

type SequelizeType = { key: string; options?: { length?: number; precision?: number; scale?: number }; type?: SequelizeType }

/**
 * The PostgreSQL spelling of a kind's Sequelize column type, as the migrations write it. (The
 * types' own toSql() is dialect-neutral: BOOLEAN would come out as TINYINT(1).)
 */
export function sqlType(type: unknown): string {
  if (typeof type === 'string') return type.toLowerCase() // e.g. the hash's 'VARCHAR(60)'
  const t = (typeof type === 'function' ? new (type as new () => SequelizeType)() : type) as SequelizeType
  switch (t.key) {
    case 'STRING':
      return `varchar(${t.options?.length ?? 255})`
    case 'DECIMAL':
      return `numeric(${t.options?.precision},${t.options?.scale})`
    case 'ARRAY':
      return `${sqlType(t.type)}[]`
    case 'TEXT':
    case 'INTEGER':
    case 'BOOLEAN':
    case 'TIME':
    case 'JSONB':
      return t.key.toLowerCase()
    default:
      throw new Error(`No SQL spelling for the column type ${t.key}: add it to sqlType() in src/schema/desired.ts`)
  }
}

function constraintsOf(table: string, name: string, def: FieldDef): ConstraintSpec[] {
  const column = columnName(name)
  const col = ident(column)
  const named = (rule: string) => `${table}_${column}_${rule}`
  const constraints: ConstraintSpec[] = []
  if (def.kind === 'integer' || def.kind === 'decimal') {
    const { min, max } = def
    const check =
      min !== undefined && max !== undefined
        ? `${col} BETWEEN ${min} AND ${max}`
        : min !== undefined
          ? `${col} >= ${min}`
          : max !== undefined
            ? `${col} <= ${max}`
            : undefined
    if (check) constraints.push({ name: named('range'), column, rule: 'range', check })
  }
  if (def.kind === 'dayList') {
    // The kind itself only holds days of the month.
    constraints.push({ name: named('range'), column, rule: 'range', check: `1 <= ALL (${col}) AND 31 >= ALL (${col})` })
  }
  if (def.kind === 'enum' && def.options && def.databaseCheck !== false) {
    const values = def.options.map((option) => literal(option.value)).join(', ')
    constraints.push({ name: named('check'), column, rule: 'check', check: `${col} IN (${values})` })
  }
  // A string's length is its varchar(n); text has no length of its own, so a check carries it, and
  // a minimum length is a check for either.
  const textual = def.kind === 'string' || def.kind === 'text'
  const max = def.kind === 'text' ? def.maxLength : undefined
  const min = textual && def.minLength !== undefined && def.minLength > 0 ? def.minLength : undefined
  const length =
    min !== undefined && max !== undefined
      ? `char_length(${col}) BETWEEN ${min} AND ${max}`
      : min !== undefined
        ? `char_length(${col}) >= ${min}`
        : max !== undefined
          ? `char_length(${col}) <= ${max}`
          : undefined
  if (length) constraints.push({ name: named('length'), column, rule: 'length', check: length })
  if (def.pattern && textual) {
    const { source, flags } = def.pattern.regex
    constraints.push({ name: named('pattern'), column, rule: 'pattern', check: `${col} ${flags.includes('i') ? '~*' : '~'} ${literal(source)}` })
  }
  if (def.unique === true) constraints.push({ name: named('unique'), column, rule: 'unique' })
  if (def.references) {
    const { table: references, onDelete } = def.references
    constraints.push({ name: named('fkey'), column, rule: 'fkey', references, onDelete })
  }
  return constraints
}

/** The desired schema of every definition's table, columns in definition order. */
export function desiredSchema(definitions: readonly ResourceDefinition[]): TableSpec[] {
  return definitions.map(withVersioning).map((definition) => {
    // The model's own attributes: the database gets exactly the types, nullability and defaults
    // the model validates against.
    const attributes = buildAttributes(definition, { allowPrivateWebhookHosts: false })
    const columns: ColumnSpec[] = []
    for (const [name, attribute] of Object.entries(attributes)) {
      if (name === 'id') continue // serial primary key, created with the table and never diffed
      const options = attribute as { type: unknown; field?: string; allowNull?: boolean; defaultValue?: unknown }
      if (!options.field) continue // virtual: never stored
      const column: ColumnSpec = {
        name: options.field,
        type: sqlType(options.type),
        // The hash is set by a hook after validation, so the model allows null; the column does not.
        notNull: name === definition.passwordHash?.attribute || options.allowNull === false,
      }
      if (options.defaultValue !== undefined) column.default = literal(options.defaultValue as string | number | boolean)
      columns.push(column)
    }
    columns.push({ name: 'created_at', type: 'timestamptz', notNull: true, default: 'now()' })
    if (definition.updatedAt !== false) columns.push({ name: 'updated_at', type: 'timestamptz', notNull: true, default: 'now()' })
    const searchText = searchTextSql(definition)
    if (searchText) columns.push({ name: SEARCH_TEXT_COLUMN, type: 'text', notNull: false, generated: `lower(${searchText})` })

    const constraints: ConstraintSpec[] = []
    for (const [name, def] of fieldsOf(definition)) {
      if (kinds[def.kind].virtual) continue
      constraints.push(...constraintsOf(definition.table, name, def))
    }
    const generated = { table: definition.table, resource: definition.name, columns, constraints, indexes: indexesOf(definition), triggers: triggersOf(definition) }
    return withHandWritten(generated, handWrittenFor(definition.table))
  })
}

function indexesOf(definition: ResourceDefinition): IndexSpec[] {
  const table = definition.table
  const fields = fieldMap(definition)
  const indexes = new Map<string, IndexSpec>()
  const add = (index: IndexSpec) => indexes.set(index.name, indexes.get(index.name) ?? index)
  // A unique rule together with another field is an index led by that field, which serves it too.
  const ledByUnique = new Set(fieldsOf(definition).flatMap(([, def]) => (typeof def.unique === 'object' ? [def.unique.with] : [])))
  const searchText = searchTextSql(definition)
  for (const [name, def] of fieldsOf(definition)) {
    const kind = kinds[def.kind]
    if (kind.virtual) continue
    const column = columnName(name)
    const col = ident(column)
    const named = (rule: string) => `${table}_${column}_${rule}`
    if (def.unique === 'caseInsensitive') add({ name: named('lower_unique'), column, expression: `lower(${col})`, unique: true })
    if (typeof def.unique === 'object') {
      const other = ident(columnName(def.unique.with))
      if (!fields.has(def.unique.with)) throw new Error(`${definition.name}.${name}: unique with ${def.unique.with}, which is no field of it`)
      add({ name: named('unique'), column, expression: `${other}, ${def.unique.ignoreCase ? `lower(${col})` : col}`, unique: true })
    }
    // A substring filter or search (ILIKE '%…%') is served by a trigram index, nothing else (a
    // search over several fields by the one on their search text, below).
    const substring = kind.filter === 'contains' && !def.options
    if (substring && (def.filter || (def.search && !searchText)) && definition.generatedIndexes !== false) {
      add({ name: named('trgm'), column, expression: `${col} gin_trgm_ops`, using: 'gin' })
    }
    // A yes/no column has two values: an index on it serves no sort.
    const sortedList = def.list && kind.sortable !== false && def.kind !== 'boolean' && definition.generatedIndexes !== false
    // A unique column's own index serves its sort already.
    if ((def.references || (sortedList && def.unique !== true)) && !ledByUnique.has(name)) add({ name: named('idx'), column, expression: col })
  }
  if (searchText) add({ name: searchIndexName(table), column: SEARCH_TEXT_COLUMN, expression: `${SEARCH_TEXT_COLUMN} gin_trgm_ops`, using: 'gin' })
  return [...indexes.values()]
}

/** The trigram index of a table's stored search text (SEARCH_TEXT_COLUMN), when its search looks into several fields. */
export const searchIndexName = (table: string) => `${table}_search_trgm`

function triggersOf(definition: ResourceDefinition): TriggerSpec[] {
  const triggers: TriggerSpec[] = []
  if (definition.history) {
    // The history entry of an owned row carries the id it is owned through (a sender name's client), for its owner to read.
    const owner = definition.ownedThrough ? `, ${literal(columnName(definition.ownedThrough))}` : ''
    triggers.push({ name: `${definition.table}_history`, timing: 'AFTER INSERT OR DELETE OR UPDATE', call: `record_change(${literal(definition.name)}${owner})` })
  }
  if (definition.versionField) {
    triggers.push({ name: `${definition.table}_version`, timing: 'BEFORE UPDATE', call: 'record_version_next()' })
  }
  return triggers
}

/** Hand-written rules: each replaces the generated rule it covers (if any) and is part of the desired schema. */
function withHandWritten(spec: TableSpec, handWritten: ReturnType<typeof handWrittenFor>): TableSpec {
  const covered = new Set(handWritten.flatMap((part) => part.covers ?? []))
  const mine = <T extends { name: string }>(generated: T[], own: T[]) => [...generated.filter((item) => !covered.has(item.name)), ...own]
  return {
    ...spec,
    constraints: mine(spec.constraints, handWritten.flatMap((part) => (part.constraint ? [part.constraint] : []))),
    indexes: mine(spec.indexes, handWritten.flatMap((part) => (part.index ? [part.index] : []))),
    triggers: mine(spec.triggers, handWritten.flatMap((part) => (part.trigger ? [part.trigger] : []))),
  }
}

/** `integer NOT NULL DEFAULT 50`, `text GENERATED ALWAYS AS (lower(…)) STORED` */
export const columnTypeSql = (column: ColumnSpec) =>
  [
    column.type,
    column.notNull ? 'NOT NULL' : '',
    column.default !== undefined ? `DEFAULT ${column.default}` : '',
    column.generated !== undefined ? `GENERATED ALWAYS AS (${column.generated}) STORED` : '',
  ]
    .filter(Boolean)
    .join(' ')

/**
 * A constraint's SQL after `CONSTRAINT <name>`: inline in a column definition (`REFERENCES t (id)`)
 * or as a table constraint (`FOREIGN KEY (c) REFERENCES t (id)`). `schema` qualifies the referenced
 * table when the desired schema is built beside the migrated one.
 */
export function constraintSql(constraint: ConstraintSpec, options: { inline?: boolean; schema?: string } = {}): string {
  switch (constraint.rule) {
    case 'range':
    case 'check':
    case 'length':
    case 'pattern':
      return `CHECK (${constraint.check})`
    case 'unique':
      return options.inline ? 'UNIQUE' : `UNIQUE (${ident(constraint.column)})`
    case 'fkey': {
      const target = `REFERENCES ${qualified(constraint.references, options.schema)} (id)${constraint.onDelete ? ` ON DELETE ${constraint.onDelete}` : ''}`
      return options.inline ? target : `FOREIGN KEY (${ident(constraint.column)}) ${target}`
    }
  }
}

export const indexSql = (table: string, index: IndexSpec, schema?: string) =>
  `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${ident(index.name)} ON ${qualified(table, schema)}${index.using ? ` USING ${index.using}` : ''} (${index.expression})${index.where ? ` WHERE ${index.where}` : ''}`

export const triggerSql = (table: string, trigger: TriggerSpec, schema?: string) =>
  `CREATE TRIGGER ${ident(trigger.name)} ${trigger.timing} ON ${qualified(table, schema)} FOR EACH ROW EXECUTE FUNCTION ${trigger.call}`

/** `throughput integer NOT NULL DEFAULT 50 CONSTRAINT clients_throughput_range CHECK (…)`, one clause a line. */
export function columnDefinitionSql(column: ColumnSpec, constraints: ConstraintSpec[], indent: string): string {
  const own = constraints.filter((constraint) => constraint.column === column.name)
  return [
    `${ident(column.name)} ${columnTypeSql(column)}`,
    ...own.map((constraint) => `${indent}CONSTRAINT ${ident(constraint.name)} ${constraintSql(constraint, { inline: true })}`),
  ].join('\n')
}

/**
 * CREATE TABLE for a whole table, in the layout of migration 0001. With `schema`, foreign keys
 * are left out (see `foreignKeysSql`) so that tables can be created in any order.
 */
export function createTableSql(spec: TableSpec, schema?: string): string {
  const inlineConstraints = spec.constraints.filter((constraint) => !(schema && constraint.rule === 'fkey'))
  const width = Math.max(2, ...spec.columns.map((column) => column.name.length))
  const lines = [
    `${'id'.padEnd(width)} serial PRIMARY KEY`,
    ...spec.columns.map((column) => {
      const own = inlineConstraints.filter((constraint) => constraint.column === column.name)
      const head = `${ident(column.name).padEnd(width)} ${columnTypeSql(column)}`
      return [
        head,
        ...own.map(
          (constraint) =>
            `${' '.repeat(width + 1)}CONSTRAINT ${ident(constraint.name)} ${constraintSql(constraint, { inline: true, schema })}`,
        ),
      ].join('\n')
    }),
  ]
  const body = lines.map((line) => line.replace(/^/gm, '  ')).join(',\n')
  const indexes = spec.indexes.map((index) => `;\n${indexSql(spec.table, index, schema)}`).join('')
  const triggers = spec.triggers.map((trigger) => `;\n${triggerSql(spec.table, trigger, schema)}`).join('')
  return `CREATE TABLE ${qualified(spec.table, schema)} (\n${body}\n)${indexes}${triggers}`
}

type ForeignKey = Extract<ConstraintSpec, { rule: 'fkey' }>

/** The foreign keys of a table built in `schema`, once all its tables exist. */
export const foreignKeysSql = (spec: TableSpec, schema: string, known: Set<string>) =>
  spec.constraints
    .filter((constraint): constraint is ForeignKey => constraint.rule === 'fkey')
    .map((constraint) => {
      // A reference to a table outside the definitions points at the migrated one.
      const target = known.has(constraint.references) ? schema : 'public'
      return `ALTER TABLE ${qualified(spec.table, schema)} ADD CONSTRAINT ${ident(constraint.name)} ${constraintSql(constraint, { schema: target })}`
    })
