import { Resource as SequelizeResource } from '@adminjs/sequelize'
import { Filter, flat, ValidationError, type ActionContext, type CurrentAdmin, type PropertyDecorator, type RecordJSON } from 'adminjs'
import { Op, type Model, type ModelStatic, type Transaction, type WhereOptions } from 'sequelize'
import type { TotalStatement } from '../../db/select-rows.js'
import { fieldErrorsFrom } from '../../fields/errors.js'
import type { FieldDef } from '../../fields/kinds.js'
import { fieldMap, fieldsOf, secretAttributes, type ResourceDefinition } from '../../fields/model.js'
import { adminOf } from '../adminjs-internals/action-context.js'
import { assertListQuery } from '../list-query.js'
import { panelType } from '../panel-fields.js'
import { actorOf, asActor, deleteRefusal, isStaleVersionRefusal, lockedVersion, StaleVersion, type Context } from './actor-writes.js'
import { filterConditions, ListFilter, searchCondition, searchOf } from './filters.js'
import { TableReader, type Order } from './list-sql.js'
import { referenceTitles, rememberedReferences, rememberReference, TITLE_OF, titlesFromRecords } from './references.js'
import { listRows, onlyWritable, presented, SafeRecord } from './response-shaping.js'
import { postedVersion, staleVersionError } from './stale-version.js'

// Owns the adapter itself: AdminJS's Sequelize resource with its reads and writes overridden (the
// rest of the adapter's work is in the modules next to this one).

export { COUNT_CAP } from './list-sql.js'
export { escapeLike, ListFilter, NOT_SET_FILTER } from './filters.js'

/** Rows the current user may see; undefined means all of them. */
export type RowScope = (currentAdmin: CurrentAdmin | undefined) => WhereOptions | undefined

/**
 * A filter a list offers besides its fields' (e.g. the history's "Entries": record changes or
 * account events): its choices, the condition each value means, and the value that holds when the
 * request names neither it nor any of `unlessFiltered` (undefined: no condition then).
 */
export type ExtraFilter = {
  label: string
  options: { value: string; label: string }[]
  where: (value: string) => WhereOptions
  default?: string
  unlessFiltered?: string[]
}

/**
 * A field's filter read another way for some values (e.g. the history's Record filter: a number is
 * the record's id, any other text a part of the client's login). Undefined: the field's own filter.
 */
export type FilterReading = (value: unknown) => WhereOptions | undefined

/** What a bulk operation reaches: the given ids, or everything the list's filter matches. */
export type BulkTarget = { ids: number[] } | { filter: Filter }

export type Sort = { sortBy?: string; direction?: 'asc' | 'desc' }
export type ListPage = {
  meta: { total: number; perPage: number; page: number; sortBy: string; direction: 'asc' | 'desc' }
  records: RecordJSON[]
}

/**
 * An exact total for a list's filters (path → value, as the list's Filter has them) from somewhere
 * cheaper than counting the rows, or undefined where it has none (the list then counts as usual);
 * as a statement, the list reads it with its page in one round trip.
 */
export type KnownTotal = (filters: Record<string, unknown>, currentAdmin: CurrentAdmin | undefined) => Promise<number | TotalStatement | undefined>

const numericIds = (ids: Array<string | number>) => ids.map(String).filter((id) => /^\d+$/.test(id)).map(Number)

/**
 * The Sequelize adapter, tightened for this app:
 * - row scopes applied in every read path (list, count, search, show/edit/delete by id, bulk),
 * - only declared fields are written (no mass assignment of ids, hashes or timestamps),
 * - model, unique, foreign-key and trigger errors come back as per-field ValidationErrors,
 * - secrets never leave in a record, a populated reference or an echo of the payload,
 * - each field filters as its kind declares (filters.ts; text: case-insensitive substring, ILIKE
 *   served by trigram indexes),
 * - filters and sorts only on the fields the list offers (list-query.ts): anything else, a secret
 *   above all, is refused with an UnknownFieldError naming it.
 */
export class AppResource extends SequelizeResource {
  private readonly fields: Map<string, FieldDef>
  private readonly secrets: string[]
  private readonly writable: Set<string>
  /** What an edit may post: the writable fields and the version it was based on. */
  private readonly postable: Set<string>
  private readonly reader: TableReader

  private readonly rowScope: RowScope
  private readonly listAlso: string[]
  private readonly knownTotal?: KnownTotal
  private readonly exactTotal: boolean
  private readonly extraFilters: Record<string, ExtraFilter>
  private readonly filterReadings: Record<string, FilterReading>
  private listed?: Set<string>
  private listedProperties?: PropertyDecorator[]

  /**
   * `rowScope`: the rows the current user may see. `listAlso`: columns a list row carries besides
   * the listed ones, for an after hook that derives a shown value from them. `knownTotal`: exact
   * totals for some filters without counting (e.g. from a summary the database keeps).
   * `exactTotal`: every list is counted in full (within the row scope and filters), not capped at
   * COUNT_CAP, for a resource whose users page by date and read the number (the change history).
   */
  constructor(
    private readonly model: ModelStatic<Model>,
    private readonly definition: ResourceDefinition,
    options: {
      rowScope?: RowScope
      listAlso?: string[]
      knownTotal?: KnownTotal
      exactTotal?: boolean
      extraFilters?: Record<string, ExtraFilter>
      filterReadings?: Record<string, FilterReading>
    } = {},
  ) {
    super(model)
    this.extraFilters = options.extraFilters ?? {}
    this.filterReadings = options.filterReadings ?? {}
    this.rowScope = options.rowScope ?? (() => undefined)
    this.listAlso = options.listAlso ?? []
    this.knownTotal = options.knownTotal
    this.exactTotal = options.exactTotal ?? false
    this.fields = fieldMap(definition)
    this.secrets = secretAttributes(definition)
    this.writable = new Set(fieldsOf(definition).filter(([, def]) => !def.readOnly).map(([name]) => name))
    this.postable = new Set([...this.writable, ...(definition.versionField ? [definition.versionField] : [])])
    this.reader = new TableReader(model, definition.table, this.secrets)
  }

  id() {
    return this.definition.name
  }

  /** The resource's declarative definition (what its list may filter, search and show). */
  definitionOf(): ResourceDefinition {
    return this.definition
  }

  // AdminJS converts form input by these types before any hook runs; they must match the panel's
  // view of each field (a day list is typed text, not an array of numbers).
  properties() {
    return super.properties().map((property) => this.asDeclared(property))
  }

  property(path: string) {
    const property = super.property(path)
    return property && this.asDeclared(property)
  }

  private asDeclared<P extends { name: () => string }>(property: P): P {
    const def = this.fields?.get(property.name())
    if (!def) return property
    const type = panelType(def)
    return Object.assign(Object.create(property), { type: () => type, isArray: () => false })
  }

  /** A record for the "new" form: its id is whatever the database assigns. */
  build(params: Record<string, unknown>) {
    return new SafeRecord(onlyWritable(params, this.writable), this, this.secrets, this.postable, undefined)
  }

  /** A record read from the database: its id is fixed, whatever a form posts later. */
  private stored(json: Record<string, unknown>): SafeRecord {
    return new SafeRecord(this.present(json), this, this.secrets, this.postable, String(json.id))
  }

  private present(json: Record<string, unknown>) {
    return presented(json, this.fields, this.secrets)
  }

  /** Refuses (UnknownFieldError) a filter, search or sort field this resource's list does not offer. */
  assertListQuery(query: { filters?: Iterable<string>; searchBy?: string; sortBy?: string }) {
    const filters = query.filters && [...query.filters].filter((key) => !(key in this.extraFilters))
    assertListQuery(this.definition, { ...query, filters })
  }

  /** The condition in both forms TableReader.pageAndTotal takes (the scanned one built only when needed). */
  private whereForms(filter: Filter | undefined, context: Context) {
    return { planned: this.where(filter, context), scanned: () => this.where(filter, context, true) }
  }

  /** `forScan`: written for the pass that reads every match through the indexes (filters.ts containing). */
  private where(filter: Filter | undefined, context: Context, forScan = false): WhereOptions {
    // Keys, not properties: a key that names no property (AdminJS leaves it without one) is refused too.
    this.assertListQuery({ filters: Object.keys(filter?.filters ?? {}) })
    const given = filter?.filters ?? {}
    const conditions: WhereOptions[] = []
    const ownFilters: Record<string, unknown> = {}
    for (const [name, element] of Object.entries(given)) {
      const extra = this.extraFilters[name]
      const read = this.filterReadings[name]?.(element.value)
      if (extra) conditions.push(extra.options.some((option) => option.value === element.value) ? extra.where(String(element.value)) : { id: null })
      else if (read) conditions.push(read)
      else ownFilters[name] = element
    }
    for (const [name, extra] of Object.entries(this.extraFilters)) {
      if (extra.default === undefined || name in given || extra.unlessFiltered?.some((other) => other in given)) continue
      conditions.push(extra.where(extra.default))
    }
    conditions.push(...filterConditions({ filters: ownFilters } as unknown as Filter, this.fields, forScan))
    const search = searchCondition(searchOf(filter), this.definition, forScan)
    if (search) conditions.push(search)
    const scope = this.rowScope(context?.currentAdmin)
    if (scope) conditions.push(scope)
    return { [Op.and]: conditions }
  }

  /**
   * The condition of a list with these filters (its query's `filters.<field>`), for this user: the
   * list's own translation and row scope. `also` narrows it further (e.g. to a selection of ids).
   */
  whereFor(filters: Record<string, unknown>, currentAdmin: CurrentAdmin | undefined, also?: WhereOptions, search = ''): WhereOptions {
    const where = this.where(new ListFilter(filters, this, search), { currentAdmin }) as { [Op.and]: WhereOptions[] }
    if (also) where[Op.and].push(also)
    return where
  }

  /** Every stored attribute a query may read (secrets never). */
  storedReadable(): readonly string[] {
    return this.reader.readableAttributes()
  }

  /**
   * The SELECT of every row matching `where`, in the list's order for `sort`, unpaged (for a cursor).
   * `computed`: more columns by alias, as SQL that names this query's columns through `columnSql`.
   */
  selectAllSql(where: WhereOptions, sort: Sort, attributes: string[], computed = new Map<string, string>()): string {
    return this.reader.selectAllSql(where, this.order(sort).order, attributes, computed)
  }

  /** An attribute's column as the SELECTs built here name it, for a computed column's SQL. */
  columnSql(attribute: string): string {
    return this.reader.columnSql(attribute)
  }

  /**
   * A list's total, by the rules of the list's own total (pageAndTotal), so the two never disagree.
   * Only AdminJS's stock list action calls this; every AppResource lists through listPage.
   */
  async count(filter: Filter, context?: Context) {
    const known = await this.knownTotalOf(filter, context)
    if (known !== undefined) return this.reader.totalOf(known)
    return (await this.reader.pageAndTotal(this.whereForms(filter, context), this.order({}), 1, 0, { attributes: ['id'] })).total
  }

  private async knownTotalOf(filter: Filter | undefined, context: Context) {
    if (this.exactTotal) return this.reader.countWhere(this.where(filter, context))
    // A summary knows nothing of what a search matches.
    if (!this.knownTotal || searchOf(filter)) return undefined
    const values = Object.fromEntries(Object.values(filter?.filters ?? {}).map((element) => [element.path, element.value as unknown]))
    return this.knownTotal(values, context?.currentAdmin)
  }

  /**
   * The condition of a bulk operation: its ids or the list's own filter translation, always within
   * the user's row scope.
   */
  bulkWhere(target: BulkTarget, context: Context): WhereOptions {
    if ('filter' in target) return this.where(target.filter, context)
    return this.scoped({ id: { [Op.in]: target.ids } }, context)
  }

  /** How many rows a condition matches, exactly (for a bulk operation's "all N matching"). */
  countWhere(where: WhereOptions): Promise<number> {
    return this.reader.countWhere(where)
  }

  /**
   * The rows a condition matches, by id: the given attributes (and the id), by default every
   * readable one. Inside a transaction `lock` holds them (FOR UPDATE) until it ends.
   */
  rowsWhere(where: WhereOptions, options: { transaction?: Transaction; lock?: boolean; attributes?: string[] } = {}) {
    return this.reader.rowsWhere(where, options)
  }

  /**
   * A field the list offers to sort by (none given: the id; anything else is refused); the id also
   * breaks ties so that pages never repeat or skip rows.
   */
  private order(sort: Sort): Order {
    if (sort.sortBy) this.assertListQuery({ sortBy: sort.sortBy })
    const sortBy = sort.sortBy && this.reader.readableAttributes().includes(sort.sortBy) ? sort.sortBy : 'id'
    const direction: 'asc' | 'desc' = sort.direction === 'desc' ? 'desc' : 'asc'
    return { sortBy, direction, order: [[sortBy, direction.toUpperCase()], ['id', direction.toUpperCase()]] }
  }

  // Reads are plain rows (see TableReader.read): building a Sequelize instance per row (and
  // deep-cloning it in toJSON) cost more than the query itself on a list page.
  async find(filter: Filter, options: { limit?: number; offset?: number; sort?: Sort }, context?: Context) {
    const { limit = 20, offset = 0, sort = {} } = options
    const rows = await this.reader.read(this.where(filter, context), { limit, offset, order: this.order(sort).order })
    return rows.map((row) => this.stored(row))
  }

  /**
   * One row. Its references' titles come along (subqueries) and are remembered for this request:
   * AdminJS populates the record's references right after, and findMany then answers from them
   * instead of one query per reference.
   */
  async findOne(id: string, context?: Context) {
    if (!/^\d+$/.test(String(id))) return null
    const references = this.titledReferences(context)
    const computed = new Map([...references].map(([path, reference]) => [`${TITLE_OF}${path}`, reference.subquery]))
    const [row] = await this.reader.read(this.scoped({ id: Number(id) }, context), { limit: 1, computed })
    if (!row) return null
    for (const [path, reference] of references) {
      const title = row[`${TITLE_OF}${path}`]
      delete row[`${TITLE_OF}${path}`]
      if (row[path] === null || row[path] === undefined || title === null || title === undefined) continue
      rememberReference(context!, reference.resourceId, { id: row[path], [reference.title]: title })
    }
    return this.stored(row)
  }

  async findMany(ids: Array<string | number>, context?: Context) {
    const remembered = rememberedReferences(context, this.id(), ids)
    if (remembered) return remembered.map((row) => this.stored(row))
    const rows = await this.reader.read(this.scoped({ id: { [Op.in]: numericIds(ids) } }, context))
    return rows.map((row) => this.stored(row))
  }

  /** This resource's references whose titles a query of ours can read (see titleSubquery). */
  private titledReferences(context: Context) {
    const references = new Map<string, { resourceId: string; title: string; subquery: string }>()
    const admin = adminOf(context as ActionContext | undefined)
    if (!admin) return references
    for (const [path, def] of this.fields) {
      if (!def.references) continue
      const target = admin.findResource(def.references.resource)
      const subquery = target instanceof AppResource ? target.titleSubquery(`"page"."${path}"`, context?.currentAdmin) : undefined
      if (subquery) references.set(path, { resourceId: target.id(), title: target.decorate().titleProperty().name(), subquery })
    }
    return references
  }

  /**
   * One page of the list view: what AdminJS's list action answers, built for big tables. The page
   * and its total come from one pass over the matches (TableReader.pageAndTotal); rows carry only
   * the listed columns (row-level isAccessible/isVisible rules see those); references carry only
   * their title; each action is serialized once per page, not once per row.
   */
  async listPage(filter: Filter, query: { page: number; perPage: number; columns?: string[] } & Sort, context: ActionContext): Promise<ListPage> {
    const { page, perPage } = query
    const sort = this.order(query)
    const decorated = this.decorate()
    const title = decorated.titleProperty().name()
    // The user's chosen columns (checked by the list action), else the definition's own.
    const shown = query.columns
      ? query.columns.map((name) => decorated.getPropertyByKey(name)).filter((property) => property !== null)
      : (this.listedProperties ??= decorated.getListProperties())
    const listed = query.columns
      ? new Set(['id', title, ...query.columns, ...this.listAlso])
      : (this.listed ??= new Set(['id', title, ...shown.map((p) => p.propertyPath), ...this.listAlso]))
    // A reference column's titles come with the page (a subquery per row) where the referenced rows
    // are not row-scoped for this user; otherwise from one look-up per reference.
    const references = shown.filter((property) => property.reference())
    const inlineTitles = new Map<string, string>()
    for (const property of references) {
      const target = property.reference()
      const subquery = target instanceof AppResource ? target.titleSubquery(`"page"."${property.propertyPath}"`, context.currentAdmin) : undefined
      if (subquery) inlineTitles.set(property.propertyPath, subquery)
    }
    const columns = {
      attributes: this.reader.readableAttributes().filter((name) => listed.has(name) || name === sort.sortBy),
      computed: new Map([...inlineTitles].map(([path, subquery]) => [`${TITLE_OF}${path}`, subquery])),
    }
    const known = await this.knownTotalOf(filter, context)
    const { rows, total } = await this.reader.pageAndTotal(this.whereForms(filter, context), sort, perPage, (page - 1) * perPage, columns, known)
    const records = rows.map((row) => {
      const cells: Record<string, unknown> = {}
      for (const name of listed) if (name in row) cells[name] = row[name]
      return this.stored(cells)
    })

    const populated = await referenceTitles(records, rows, references, inlineTitles, (target, ids) =>
      target instanceof AppResource ? target.titlesOf(ids, context) : titlesFromRecords(target, ids, context),
    )
    return {
      meta: { total, perPage, page, sortBy: sort.sortBy, direction: sort.direction },
      records: listRows(records, populated, decorated, context.currentAdmin),
    }
  }

  /**
   * SQL for the title of the row whose id is `foreignKey` (a column of the referencing query),
   * when this user sees every row here and the title is a stored column; else undefined.
   */
  titleSubquery(foreignKey: string, currentAdmin: CurrentAdmin | undefined): string | undefined {
    const title = this.decorate().titleProperty().name()
    const column = this.fields.has(title) || title === 'id' ? this.model.getAttributes()[title]?.field : undefined
    if (!column || this.rowScope(currentAdmin)) return undefined
    return `(SELECT "${column}" FROM "${this.definition.table}" AS "referenced" WHERE "referenced"."id" = ${foreignKey})`
  }

  /** Titles of the given rows (those the user may see), for a reference shown in another list. */
  async titlesOf(ids: Array<string | number>, context?: Context): Promise<Map<string, string>> {
    const title = this.decorate().titleProperty().name()
    if (!this.fields.has(title) && title !== 'id') return titlesFromRecords(this, ids, context)
    const rows = await this.reader.read(this.scoped({ id: { [Op.in]: numericIds(ids) } }, context), { attributes: ['id', title] })
    return new Map(rows.map((row) => [String(row.id), String(row[title] ?? '')]))
  }

  async create(params: Record<string, unknown>, context?: Context) {
    const values = this.writableValues(params)
    try {
      const row = await this.asActor(context, (transaction) => this.model.create(values, { transaction }))
      return this.present(row.toJSON())
    } catch (error) {
      throw this.asValidationError(error)
    }
  }

  /**
   * Saves an edit. When the definition counts versions and the edit names the version it was based
   * on (the form posts it back), the row is locked and checked first: a save based on an older
   * version saves nothing and says what changed since, by whom and when. Of two concurrent saves
   * of one version the second waits for the first's lock and then sees the newer version, so
   * exactly one wins, across any number of server processes. An edit naming no version (a script
   * sending only its fields) is applied as before; the database still counts it.
   */
  async update(id: string, params: Record<string, unknown>, context?: Context) {
    const values = this.writableValues(params)
    const versionField = this.definition.versionField
    const base = versionField ? postedVersion(params, versionField) : undefined
    if (base === 'invalid') {
      const message = 'The version this form was based on is unreadable: reload the page'
      throw new ValidationError({ [versionField!]: { message, type: 'staleVersion' } }, { message, type: 'staleVersion' })
    }
    try {
      await this.asActor(context, async (transaction) => {
        let where = this.scoped({ id: Number(id) }, context)
        if (base !== undefined) {
          const current = await lockedVersion(this.model, versionField!, where, transaction)
          if (current !== undefined && current !== base) throw new StaleVersion()
          where = { [Op.and]: [where, { [versionField!]: base }] }
        }
        return this.model.update(values, { where, transaction, ...actorOf(context) })
      })
    } catch (error) {
      if (base !== undefined && (error instanceof StaleVersion || isStaleVersionRefusal(error))) {
        // What is stored now goes along, so the form can show "theirs" beside "yours" and save on top.
        const row = await this.findScoped(id, context)
        const params = row ? this.present(row.toJSON()) : undefined
        const current = params && typeof params[versionField!] === 'number' ? { params, version: params[versionField!] as number } : undefined
        throw await staleVersionError(this.model.sequelize!, this.definition, Number(id), base, current)
      }
      throw this.asValidationError(error)
    }
    const row = await this.findScoped(id, context)
    return row ? this.present(row.toJSON()) : {}
  }

  async delete(id: string, context?: Context) {
    await this.deleteAll([id], context)
  }

  /**
   * Deletes the given rows (those the user may see) in one transaction: all of them or, when any
   * is refused, none. Each row is held to the same rules as a single delete (model hooks, which
   * are told the actor; foreign keys), so a record action and its bulk form cannot differ.
   */
  async deleteAll(ids: Array<string | number>, context?: Context) {
    let current: Model | null = null
    const title = () => (current ? String(current.get(this.decorate().titleProperty().name()) ?? current.get('id')) : undefined)
    try {
      await this.asActor(context, async (transaction) => {
        for (const id of ids) {
          current = await this.findScoped(id, context, transaction)
          await current?.destroy({ transaction, ...actorOf(context) })
        }
      })
    } catch (error) {
      // Which record was refused, when several were asked for.
      throw deleteRefusal(error, this.definition, ids.length > 1 ? title() : undefined)
    }
  }

  /** A panel write in a transaction that names its author (see actor-writes.ts). */
  asActor<T>(context: Context, write: (transaction: Transaction) => Promise<T>, operation?: string): Promise<T> {
    return asActor(this.model, context, write, operation)
  }

  private async findScoped(id: string | number, context: Context, transaction?: Transaction) {
    if (!/^\d+$/.test(String(id))) return null
    return this.model.findOne({ where: this.scoped({ id: Number(id) }, context), transaction })
  }

  /** A condition narrowed to the rows the current user may see. */
  private scoped(condition: WhereOptions, context: Context): WhereOptions {
    const scope = this.rowScope(context?.currentAdmin)
    return scope ? { [Op.and]: [condition, scope] } : condition
  }

  /** Only declared, editable fields reach the model: ids, hashes and timestamps cannot be posted. */
  private writableValues(params: Record<string, unknown>) {
    const unflattened = flat.unflatten(params) as Record<string, unknown>
    const values: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(unflattened)) {
      if (this.writable.has(name)) values[name] = value
    }
    return values
  }

  asValidationError(error: unknown) {
    const errors = fieldErrorsFrom(error, this.definition)
    if (!errors) return error
    return new ValidationError(errors, { message: 'Please correct the marked fields', type: 'validationError' })
  }
}
