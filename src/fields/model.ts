import {
  ValidationError,
  ValidationErrorItem,
  type Model,
  type ModelAttributeColumnOptions,
  type ModelAttributes,
  type ModelStatic,
  QueryTypes,
} from 'sequelize'
import { kinds, type FieldDef, type KindContext } from './kinds.js'

export type Section = { title: string; fields: Record<string, FieldDef> }

/** One resource's declarative definition: the single source for model, panel and migrations. */
export type ResourceDefinition = {
  /** The panel's resource id and the Sequelize model name. */
  name: string
  table: string
  /** Sections in display order; a resource without headings has one section titled ''. */
  sections: Section[]
  /** Rows that are never updated have no updated_at column. */
  updatedAt?: false
  /** Where a password field's bcrypt hash is stored (never returned anywhere). */
  passwordHash?: { from: string; attribute: string }
  /**
   * An integer field that counts the record's changes (kept by a database trigger, see migration
   * 0008): a panel edit naming an older value saves nothing, and Sequelize's optimistic locking
   * checks it on `instance.save()`.
   */
  versionField?: string
  /**
   * The record counts its changes in a `version` field (integer, not null, default 1) kept by the
   * version trigger, with the stale-save check: no field entry needed (see withVersioning).
   */
  versioned?: boolean
  /**
   * `false` for a table whose indexes are all written by hand (the change history: an append-only
   * log read newest first, where an index per listed or filtered column would slow every write).
   */
  generatedIndexes?: false
  /** Every create, update and delete is recorded in the change history by a database trigger. */
  history?: boolean
  /** The reference to the panel user who owns a row (a client's manager): a manager sees only theirs. */
  ownedBy?: string
  /**
   * The reference whose record's owner owns this row (a sender name's client): the row scope, the
   * check that a chosen reference is the user's own, and whose history the change is.
   */
  ownedThrough?: string
}

export type ModelSettings = KindContext & {
  /** Turns a password into the hash stored in `passwordHash.attribute` (the app passes bcrypt with its rounds). */
  hashPassword: (password: string) => Promise<string>
}

/** The field `versioned: true` adds, at the end of the last section (the form shows it last). */
const VERSION_FIELD = 'version'

/**
 * The definition with what `versioned: true` implies: the `version` field and `versionField`
 * pointing at it. Idempotent, so each consumer may call it on a definition already expanded.
 */
export function withVersioning(definition: ResourceDefinition): ResourceDefinition {
  if (!definition.versioned || definition.versionField) return definition
  const record = definition.name.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase()
  const version: FieldDef = { label: 'Version', kind: 'integer', default: 1, readOnly: true, help: `Grows by one with every change of this ${record}.` }
  const sections = definition.sections.map((section, index) =>
    index === definition.sections.length - 1 ? { ...section, fields: { ...section.fields, [VERSION_FIELD]: version } } : section,
  )
  return { ...definition, versionField: VERSION_FIELD, sections }
}

export const columnName = (attribute: string) => attribute.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

export function fieldsOf(definition: ResourceDefinition): [string, FieldDef][] {
  return definition.sections.flatMap((section) => Object.entries(section.fields))
}

export function fieldMap(definition: ResourceDefinition): Map<string, FieldDef> {
  return new Map(fieldsOf(definition))
}

/** Attributes that must never leave the server: write-only inputs and the stored hash. */
export function secretAttributes(definition: ResourceDefinition): string[] {
  const writeOnly = fieldsOf(definition)
    .filter(([, def]) => kinds[def.kind].virtual)
    .map(([name]) => name)
  return definition.passwordHash ? [...writeOnly, definition.passwordHash.attribute] : writeOnly
}

/**
 * The fields the list's search box (`q=`) looks into: those marked `search: true` that filter as a
 * substring (text kinds without a list of choices), never a secret, in definition order.
 */
export function searchableFields(definition: ResourceDefinition): string[] {
  const secrets = new Set(secretAttributes(definition))
  return fieldsOf(definition)
    .filter(([name, def]) => def.search && !secrets.has(name) && !kinds[def.kind].virtual && kinds[def.kind].filter === 'contains' && !def.options)
    .map(([name]) => name)
}

/** Joins the searchable fields in the search text (searchTextSql): a search that holds none matches within one field only. */
export const SEARCH_SEPARATOR = '\u001f' // chr(31) in SQL

/**
 * The search box's text of a row when the search looks into several fields: those fields, empty
 * for none, joined by SEARCH_SEPARATOR, as SQL over the table's columns (unqualified: the same text
 * serves a SELECT and an UPDATE). The migrations store it lower-cased in SEARCH_TEXT_COLUMN, with
 * one trigram index (`<table>_search_trgm`), so a search is one index scan instead of one per field
 * ORed together: at 1M clients the per-field scans found the same rows three times over. Undefined
 * for a single searchable field (its own trigram index serves it) and for a table whose indexes are
 * all written by hand.
 */
export function searchTextSql(definition: ResourceDefinition): string | undefined {
  const fields = searchableFields(definition)
  if (fields.length < 2 || definition.generatedIndexes === false) return undefined
  return fields.map((name) => `coalesce("${columnName(name)}", '')`).join(' || chr(31) || ')
}

/**
 * The column that holds `lower(<searchTextSql>)`, generated and stored by PostgreSQL, in a table
 * with a search text: no model attribute, so never read, shown, exported or imported; the history
 * and version triggers leave it out (migration 0026). Stored because a search's pass over its
 * matches spent most of its time joining and lower-casing the text of every row twice, once per
 * ILIKE (issue #26, docs/benchmarks.md); LIKE on the stored text against a lower-cased pattern
 * matches what ILIKE on the joined text matched (PostgreSQL's ILIKE lower-cases both sides too).
 */
export const SEARCH_TEXT_COLUMN = 'search_text'

function attributeFor(name: string, def: FieldDef, context: KindContext): ModelAttributeColumnOptions {
  const kind = kinds[def.kind]
  const attribute: ModelAttributeColumnOptions = {
    type: kind.column(def),
    field: kind.virtual ? undefined : columnName(name),
    // A field with a default always has a value: a blank input falls back to the default.
    allowNull: kind.virtual || (!def.required && def.default === undefined),
    validate: {
      fieldRule(value: unknown) {
        if (value === null || value === undefined) return
        const message = kind.check?.(value, def, context)
        if (message) throw new Error(message)
      },
    },
  }
  if (!attribute.allowNull) {
    attribute.validate!.notNull = { msg: `${def.label} is required` }
  }
  if (def.default !== undefined) attribute.defaultValue = def.default
  if (kind.normalize) {
    const normalize = kind.normalize
    attribute.set = function set(this: Model, value: unknown) {
      const prefix = def.stripPrefix
      const input = prefix && typeof value === 'string' && value.trim().startsWith(prefix) ? value.trim().slice(prefix.length) : value
      const normalized = normalize(input, def)
      const stored = normalized === null && def.default !== undefined ? def.default : normalized
      this.setDataValue(name as never, stored as never)
    }
  }
  if (def.references) {
    attribute.references = { model: def.references.table, key: 'id' }
  }
  return attribute
}

export function buildAttributes(definition: ResourceDefinition, context: KindContext): ModelAttributes {
  const attributes: ModelAttributes = {
    id: { type: 'INTEGER', primaryKey: true, autoIncrement: true } as never,
  }
  for (const [name, def] of fieldsOf(definition)) {
    attributes[name] = attributeFor(name, def, context)
  }
  if (definition.passwordHash) {
    attributes[definition.passwordHash.attribute] = {
      type: 'VARCHAR(60)' as never,
      field: columnName(definition.passwordHash.attribute),
      // Set by the write hooks after validation; the column itself is NOT NULL.
      allowNull: true,
    }
  }
  return attributes
}

type WriteOnlyCarrier = {
  writeOnlyValues?: Record<string, unknown>
  /**
   * Set by a caller that checks one change against many rows (bulk edit): a referenced row's
   * `active` flag is then read once per value instead of once per row.
   */
  referenceLookups?: Map<string, Promise<{ active: boolean } | undefined>>
}

const errorItem = (path: string, message: string, instance: Model, key: string) =>
  new ValidationErrorItem(message, 'Validation error' as never, path, null as never, instance, key, 'fieldRule', [])

/**
 * The hooks installFieldRules adds: they read nothing but the instance and its options (a
 * reference's `active` flag is looked up per value), so two rows with the same values in the
 * fields a change touches, and in the fields whose rules look at others, get the same verdict.
 */
export const rowLocalHooks = new WeakSet<Function>()

/**
 * Installs the rules that span fields or need the stored row, for every way a row is written:
 * `create`, `instance.save()`, static `update` (with or without `individualHooks`) and
 * `bulkCreate`. Static writes are turned into per-row hooks so no path skips a rule.
 */
export function installFieldRules(model: ModelStatic<Model>, definition: ResourceDefinition, settings: ModelSettings) {
  const fields = fieldsOf(definition)
  const virtualNames = fields.filter(([, def]) => kinds[def.kind].virtual).map(([name]) => name)

  model.addHook('beforeBulkUpdate', (options: any) => {
    options.individualHooks = true
    // Virtual inputs are not columns: carry them to the per-row hook instead of the UPDATE.
    const carried: Record<string, unknown> = {}
    for (const name of virtualNames) {
      if (name in options.attributes) {
        carried[name] = options.attributes[name]
        delete options.attributes[name]
      }
    }
    options.writeOnlyValues = carried
    options.fields = (options.fields as string[] | undefined)?.filter((field) => !virtualNames.includes(field))
  })
  model.addHook('beforeBulkCreate', (_instances: unknown, options: any) => {
    options.individualHooks = true
    options.validate = true
  })
  model.addHook('beforeBulkDestroy', (options: any) => {
    options.individualHooks = true
  })

  const enforce = async (instance: Model, options: WriteOnlyCarrier, isNew: boolean) => {
    const valueOf = (name: string) =>
      options.writeOnlyValues && name in options.writeOnlyValues ? options.writeOnlyValues[name] : instance.get(name)
    const errors: ValidationErrorItem[] = []
    const labels = new Map(fields.map(([name, def]) => [name, def.label]))
    for (const [name, def] of fields) {
      const value = valueOf(name)
      if (kinds[def.kind].virtual && def.required && isNew && (value === null || value === undefined)) {
        errors.push(errorItem(name, `${def.label} is required`, instance, 'required'))
      }
      if (def.confirms) {
        const original = valueOf(def.confirms)
        if ((original ?? null) !== (value ?? null)) {
          errors.push(errorItem(name, `Must match ${labels.get(def.confirms)}`, instance, 'confirmation'))
        }
      }
      if (def.pairedWith) {
        const other = valueOf(def.pairedWith)
        const hasValue = value !== null && value !== undefined
        const hasOther = other !== null && other !== undefined
        if (hasValue !== hasOther) {
          const missing = hasValue ? def.pairedWith : name
          errors.push(
            errorItem(missing, `Fill in both ${def.label} and ${labels.get(def.pairedWith)}, or neither`, instance, 'paired'),
          )
        } else if (hasValue && value === other) {
          errors.push(errorItem(def.pairedWith, 'The end must differ from the start', instance, 'paired'))
        }
      }
      if (def.readOnlyOnceSet && !isNew) {
        const before = instance.previous(name as never)
        if (before !== null && before !== undefined && instance.get(name) !== before) {
          errors.push(errorItem(name, `${def.label} cannot be changed once set`, instance, 'readOnlyOnceSet'))
        }
      }
    }
    for (const [name, def] of fields) {
      const target = def.references
      const value = valueOf(name)
      if (!target?.mustBeActive || value === null || value === undefined) continue
      if (!isNew && !instance.changed(name as never)) continue
      const lookup = () =>
        model
          .sequelize!.query(`SELECT active FROM "${target.table}" WHERE id = :id`, {
            replacements: { id: value },
            type: QueryTypes.SELECT,
            transaction: (options as any).transaction,
          })
          .then((rows) => (rows as { active: boolean }[])[0])
      const key = `${target.table}:${String(value)}`
      const cached = options.referenceLookups?.get(key)
      const pending = cached ?? lookup()
      if (!cached) options.referenceLookups?.set(key, pending)
      const row = await pending
      if (!row) errors.push(errorItem(name, `The chosen ${def.label} does not exist`, instance, 'reference'))
      else if (!row.active) errors.push(errorItem(name, `The chosen ${def.label} is inactive`, instance, 'reference'))
    }
    if (errors.length) throw new ValidationError(undefined as never, errors)

    if (definition.passwordHash) {
      const password = valueOf(definition.passwordHash.from)
      if (typeof password === 'string' && password !== '') {
        instance.set(definition.passwordHash.attribute, await settings.hashPassword(password))
      }
    }
    // Plain-text inputs leave the instance as soon as they are hashed or checked.
    for (const name of virtualNames) {
      ;(instance as any).dataValues[name] = undefined
    }
  }

  // When single-field validation already failed, still report a mismatched confirmation, so the
  // form shows every problem at once (the other cross-field rules need the stored row).
  const reportConfirmations = (instance: Model, _options: unknown, error: unknown) => {
    if (!(error instanceof ValidationError)) return
    for (const [name, def] of fields) {
      if (!def.confirms || error.errors.some((item) => item.path === name)) continue
      if ((instance.get(def.confirms) ?? null) !== (instance.get(name) ?? null)) {
        error.errors.push(errorItem(name, `Must match ${fields.find(([n]) => n === def.confirms)?.[1].label}`, instance, 'confirmation'))
      }
    }
  }
  const enforceOnCreate = (instance: Model, options: any) => enforce(instance, options, true)
  const enforceOnUpdate = (instance: Model, options: any) => enforce(instance, options, false)
  for (const hook of [reportConfirmations, enforceOnCreate, enforceOnUpdate]) rowLocalHooks.add(hook)
  ;(model as any).addHook('validationFailed', reportConfirmations)
  model.addHook('beforeCreate', enforceOnCreate)
  model.addHook('beforeUpdate', enforceOnUpdate)
}
