import { Resource as SequelizeResource } from '@adminjs/sequelize'
import { BaseRecord, Filter, flat, type BaseResource, ValidationError, type ActionContext, type ActionDecorator, type CurrentAdmin, type RecordJSON } from 'adminjs'
import { literal, Op, QueryTypes, Utils, type Model, type ModelStatic, type Transaction, type WhereOptions } from 'sequelize'
import { fieldErrorsFrom } from '../../fields/errors.js'
import { kinds, type FieldDef } from '../../fields/kinds.js'
import { fieldMap, fieldsOf, secretAttributes, type ResourceDefinition } from '../../fields/model.js'
import type { ActorOptions } from '../../models/admin-user.rules.js'
import { assertListQuery } from '../list-query.js'
import { panelType } from '../panel-fields.js'
import { postedVersion, staleVersionError } from './stale-version.js'

/** Rows the current user may see; undefined means all of them. */
export type RowScope = (currentAdmin: CurrentAdmin | undefined) => WhereOptions | undefined

/** What a bulk operation reaches: the given ids, or everything the list's filter matches. */
export type BulkTarget = { ids: number[] } | { filter: Filter }

type Context = Partial<Pick<ActionContext, 'currentAdmin'>> | undefined

/** Above this many rows (by the planner's statistics) an unfiltered list shows an estimated total. */
const ESTIMATE_ABOVE = 100_000
/**
 * Any other list counts at most this many matches (100 pages of 10): beyond that an exact total
 * costs a scan of every match on every page view, and nobody pages that far instead of filtering.
 */
export const COUNT_CAP = 1_000

/** A filtered list the planner expects to match this many rows is not counted (see pageAndTotal). */
const BROAD_ABOVE = 10 * COUNT_CAP
/** Planner estimates only change with ANALYZE: one lookup serves many page views. */
const ESTIMATE_TTL_MS = 10_000

export type Sort = { sortBy?: string; direction?: 'asc' | 'desc' }
export type ListPage = {
  meta: { total: number; perPage: number; page: number; sortBy: string; direction: 'asc' | 'desc' }
  records: RecordJSON[]
}

/**
 * A filter value that matches records where an optional field has no value (`filters.currency=…`):
 * AdminJS's own marker for "no value" in forms.
 */
export const NOT_SET_FILTER = '__FORM_VALUE_NULL__'

/**
 * An exact total for a list's filters (path → value, as the list's Filter has them) from somewhere
 * cheaper than counting the rows, or undefined where it has none (the list then counts as usual).
 */
export type KnownTotal = (filters: Record<string, unknown>, currentAdmin: CurrentAdmin | undefined) => Promise<number | undefined>

/** Makes user input match literally inside a LIKE/ILIKE pattern. */
export const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`)

/** Only declared, editable fields (flattened keys such as `invoiceDates.0` count by their root). */
const onlyWritable = (params: Record<string, unknown>, writable: Set<string>) =>
  Object.fromEntries(Object.entries(params).filter(([key]) => writable.has(key.split('.')[0])))

/**
 * The Sequelize adapter, tightened for this app:
 * - row scopes applied in every read path (list, count, search, show/edit/delete by id, bulk),
 * - only declared fields are written (no mass assignment of ids, hashes or timestamps),
 * - model, unique, foreign-key and trigger errors come back as per-field ValidationErrors,
 * - secrets never leave in a record, a populated reference or an echo of the payload,
 * - text filters are case-insensitive substring matches (ILIKE, served by trigram indexes),
 * - filters and sorts only on the fields the list offers (list-query.ts): anything else, a secret
 *   above all, is refused with an UnknownFieldError naming it.
 */
export class AppResource extends SequelizeResource {
  private readonly fields: Map<string, FieldDef>
  private readonly secrets: string[]
  private readonly writable: Set<string>
  /** What an edit may post: the writable fields and the version it was based on. */
  private readonly postable: Set<string>

  private readonly rowScope: RowScope
  private readonly listAlso: string[]
  private readonly knownTotal?: KnownTotal
  private listed?: Set<string>

  /**
   * `rowScope`: the rows the current user may see. `listAlso`: columns a list row carries besides
   * the listed ones, for an after hook that derives a shown value from them. `knownTotal`: exact
   * totals for some filters without counting (e.g. from a summary the database keeps).
   */
  constructor(
    private readonly model: ModelStatic<Model>,
    private readonly definition: ResourceDefinition,
    options: { rowScope?: RowScope; listAlso?: string[]; knownTotal?: KnownTotal } = {},
  ) {
    super(model)
    this.rowScope = options.rowScope ?? (() => undefined)
    this.listAlso = options.listAlso ?? []
    this.knownTotal = options.knownTotal
    this.fields = fieldMap(definition)
    this.secrets = secretAttributes(definition)
    this.writable = new Set(fieldsOf(definition).filter(([, def]) => !def.readOnly).map(([name]) => name))
    this.postable = new Set([...this.writable, ...(definition.versionField ? [definition.versionField] : [])])
  }

  id() {
    return this.definition.name
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
  private stored(json: Record<string, unknown>) {
    return new SafeRecord(this.present(json), this, this.secrets, this.postable, String(json.id))
  }

  /** Refuses (UnknownFieldError) a filter, search or sort field this resource's list does not offer. */
  assertListQuery(query: { filters?: Iterable<string>; searchBy?: string; sortBy?: string }) {
    assertListQuery(this.definition, query)
  }

  private where(filter: Filter | undefined, context: Context): WhereOptions {
    const conditions: WhereOptions[] = []
    // Keys, not properties: a key that names no property (AdminJS leaves it without one) is refused too.
    this.assertListQuery({ filters: Object.keys(filter?.filters ?? {}) })
    for (const [name, element] of Object.entries(filter?.filters ?? {})) {
      const def = this.fields.get(name)
      const value = element.value as unknown
      if (value === NOT_SET_FILTER && def && !def.required) {
        conditions.push({ [name]: null })
      } else if (def && typeof value === 'string' && !def.options && !def.references && ['string', 'text', 'email', 'url', 'phone'].includes(def.kind)) {
        conditions.push({ [name]: { [Op.iLike]: `%${escapeLike(value)}%` } })
      } else if (typeof value === 'object' && value !== null && ('from' in value || 'to' in value)) {
        // Only the creation time is offered as a range (a date filter); a bound that is not a date
        // matches nothing rather than reaching the database as an error.
        const { from, to } = value as { from?: unknown; to?: unknown }
        const isDate = (bound: unknown) => typeof bound === 'string' && bound !== '' && !Number.isNaN(Date.parse(bound))
        const bounds = [from, to].filter((bound) => bound !== undefined && bound !== '')
        if (name !== 'createdAt' || !bounds.every(isDate)) conditions.push({ id: null })
        else {
          const iso = (bound: unknown) => new Date(bound as string).toISOString()
          conditions.push({ [name]: { ...(isDate(from) && { [Op.gte]: iso(from) }), ...(isDate(to) && { [Op.lte]: iso(to) }) } })
        }
      } else if (typeof value !== 'string' && typeof value !== 'number') {
        conditions.push({ id: null }) // a nested object or list is no value of any field
      } else if (def?.kind === 'boolean') {
        if (value === 'true' || value === 'false') conditions.push({ [name]: value === 'true' })
      } else if (def?.kind === 'integer' || def?.kind === 'reference' || name === 'id') {
        if (/^\d+$/.test(String(value))) conditions.push({ [name]: Number(value) })
        else conditions.push({ [name]: null }) // nothing matches a non-number; never a 500
      } else {
        conditions.push({ [name]: value as string })
      }
    }
    const scope = this.rowScope(context?.currentAdmin)
    if (scope) conditions.push(scope)
    return { [Op.and]: conditions }
  }

  /**
   * The condition of a list with these filters (its query's `filters.<field>`), for this user: the
   * list's own translation and row scope. `also` narrows it further (e.g. to a selection of ids).
   */
  whereFor(filters: Record<string, unknown>, currentAdmin: CurrentAdmin | undefined, also?: WhereOptions): WhereOptions {
    const where = this.where(new Filter(filters, this), { currentAdmin }) as { [Op.and]: WhereOptions[] }
    if (also) where[Op.and].push(also)
    return where
  }

  /** Every stored attribute a query may read (secrets never). */
  storedReadable(): readonly string[] {
    return this.readableAttributes()
  }

  /**
   * The SELECT of every row matching `where`, in the list's order for `sort`, unpaged (for a cursor).
   * `computed`: more columns by alias, as SQL that names this query's columns through `columnSql`.
   */
  selectAllSql(where: WhereOptions, sort: Sort, attributes: string[], computed = new Map<string, string>()): string {
    const columns = [...attributes, ...[...computed].map(([alias, sql]) => [literal(sql), alias] as [unknown, string])]
    return this.selectSql(columns, where, undefined, undefined, this.order(sort).order)
  }

  /** An attribute's column as the SELECTs built here name it, for a computed column's SQL. */
  columnSql(attribute: string): string {
    return `"${this.model.name}"."${this.model.getAttributes()[attribute].field}"`
  }

  /**
   * A list's total, by the rules of the list's own total (pageAndTotal), so the two never disagree.
   * Only AdminJS's stock list action calls this; every AppResource lists through listPage.
   */
  async count(filter: Filter, context?: Context) {
    const known = await this.knownTotalOf(filter, context)
    return known ?? (await this.pageAndTotal(this.where(filter, context), this.order({}), 1, 0, { attributes: ['id'] })).total
  }

  private knownTotalOf(filter: Filter | undefined, context: Context) {
    if (!this.knownTotal) return undefined
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
  async countWhere(where: WhereOptions): Promise<number> {
    const [row] = (await this.model.sequelize!.query(`SELECT count(*)::int AS total FROM (${this.selectSql(['id'], where)}) AS matches`, {
      type: QueryTypes.SELECT,
    })) as { total: number }[]
    return row?.total ?? 0
  }

  /**
   * The rows a condition matches, by id: the given attributes (and the id), by default every
   * readable one. Inside a transaction `lock` holds them (FOR UPDATE) until it ends, so what was
   * checked is what gets written.
   */
  async rowsWhere(where: WhereOptions, options: { transaction?: Transaction; lock?: boolean; attributes?: string[] } = {}) {
    const readable = this.readableAttributes()
    const attributes = options.attributes ? ['id', ...options.attributes.filter((name) => readable.includes(name))] : readable
    const sql = this.selectSql(attributes, where, undefined, undefined, [['id', 'ASC']])
    return (await this.model.sequelize!.query(options.lock ? `${sql} FOR UPDATE` : sql, {
      type: QueryTypes.SELECT,
      transaction: options.transaction,
    })) as Record<string, unknown>[]
  }

  /** The SELECT Sequelize would send for these attributes and conditions (attribute names mapped to columns). */
  private selectSql(attributes: Array<string | [unknown, string]>, where: WhereOptions, limit?: number, offset?: number, order?: [string, string][]) {
    // Copies: the query generator rewrites the order entries it is given.
    const orderCopy = order?.map(([name, direction]) => [name, direction])
    const options = Utils.mapOptionFieldNames({ attributes: [...new Set(attributes)] as string[], where, limit, offset, order: orderCopy }, this.model as never)
    const generator = (this.model.sequelize!.getQueryInterface() as any).queryGenerator
    return String(generator.selectQuery(this.definition.table, options, this.model)).replace(/;\s*$/, '')
  }

  private readable?: string[]

  /** Every stored attribute but the secrets (what the default scope reads). */
  private readableAttributes() {
    return (this.readable ??= Object.entries(this.model.getAttributes())
      .filter(([name, attribute]) => (attribute.type as { key?: string }).key !== 'VIRTUAL' && !this.secrets.includes(name))
      .map(([name]) => name))
  }

  /**
   * Rows as plain objects (by default every readable attribute). The SQL is the one findAll would
   * send; skipping findAll's option cloning, scopes and hooks halves the cost of a read on a list page.
   */
  private async read(
    where: WhereOptions,
    options: { limit?: number; offset?: number; order?: [string, string][]; attributes?: string[]; computed?: Map<string, string> } = {},
  ) {
    let sql = this.selectSql(options.attributes ?? this.readableAttributes(), where, options.limit, options.offset, options.order)
    if (options.computed?.size) {
      // Computed around the cut page: in the same SELECT, PostgreSQL would compute them for every
      // row an OFFSET skips as well.
      const columns = [...options.computed].map(([alias, expression]) => `${expression} AS "${alias}"`).join(', ')
      const order = (options.order ?? []).map(([name, direction]) => `"page"."${name}" ${direction}`).join(', ')
      sql = `SELECT "page".*, ${columns} FROM (${sql}) AS "page"${order && ` ORDER BY ${order}`}`
    }
    return (await this.model.sequelize!.query(sql, { type: QueryTypes.SELECT })) as Record<string, unknown>[]
  }

  /**
   * A page of rows and the list's total, built for big tables:
   * - when the planner expects many rows (a table of ESTIMATE_ABOVE, or a filter matching
   *   BROAD_ABOVE), nothing is counted: the total is that estimate (unfiltered) or COUNT_CAP
   *   (filtered), and the page comes straight from the sort index;
   * - otherwise the matches are read once (at most COUNT_CAP + 1, id and sort key only), counted,
   *   and the page's ids picked from them; the rows are then read by id. If more than COUNT_CAP
   *   match after all, the page is read with the filter.
   * A short page gives the exact total (its offset plus its rows): the pager ends where the rows
   * do, even where an estimate was off. A `known` total (see KnownTotal) is the total as it is.
   */
  private async pageAndTotal(
    where: WhereOptions,
    sort: ReturnType<AppResource['order']>,
    limit: number,
    offset: number,
    columns: { attributes?: string[]; computed?: Map<string, string> } = {},
    known?: number,
  ) {
    const page = async (atLeast: number) => {
      const rows = await this.read(where, { limit, offset, order: sort.order, ...columns })
      const exact = rows.length < limit && (rows.length > 0 || offset === 0)
      return { rows, total: exact ? offset + rows.length : Math.max(atLeast, offset + rows.length) }
    }
    if (known !== undefined) return { rows: await this.read(where, { limit, offset, order: sort.order, ...columns }), total: known }
    const unfiltered = isUnfiltered(where)
    const planned = await this.plannedRows(unfiltered ? undefined : where)
    if (unfiltered && planned >= ESTIMATE_ABOVE) return page(planned)
    if (!unfiltered && planned >= BROAD_ABOVE) return page(COUNT_CAP)

    const direction = sort.direction.toUpperCase()
    const picked = (await this.model.sequelize!.query(
      `WITH hits AS MATERIALIZED (${this.selectSql(['id', sort.sortBy], where, COUNT_CAP + 1)})
       SELECT counted.total, page.id
         FROM (SELECT count(*)::int AS total FROM hits) AS counted
         LEFT JOIN LATERAL (SELECT id FROM hits ORDER BY "${sort.sortBy}" ${direction}, id ${direction} LIMIT :limit OFFSET :offset) AS page ON true`,
      { replacements: { limit, offset }, type: QueryTypes.SELECT },
    )) as { total: number; id: number | null }[]
    const total = picked[0]?.total ?? 0
    if (total > COUNT_CAP) return page(COUNT_CAP)
    const ids = picked.map((row) => row.id).filter((id) => id !== null)
    const rows = ids.length ? await this.read({ id: { [Op.in]: ids } }, { order: sort.order, ...columns }) : []
    return { rows, total }
  }

  private readonly estimates = new Map<string, { rows: Promise<number>; at: number }>()

  /**
   * The rows the planner expects: the table's statistics (reltuples) or, for a condition, EXPLAIN's
   * estimate. Estimates only change when the statistics do (ANALYZE), so each is kept for a few
   * seconds: paging through one filter plans it once.
   */
  private plannedRows(where?: WhereOptions): Promise<number> {
    const sequelize = this.model.sequelize!
    const sql = where
      ? `EXPLAIN (FORMAT JSON) ${this.selectSql(['id'], where)}`
      : `SELECT reltuples::bigint AS estimate FROM pg_class WHERE oid = to_regclass(${sequelize.escape(this.definition.table)})`
    const cached = this.estimates.get(sql)
    if (cached && Date.now() - cached.at < ESTIMATE_TTL_MS) return cached.rows
    const rows = sequelize.query(sql, { type: QueryTypes.SELECT }).then(([row]) => {
      const result = row as { estimate?: string; 'QUERY PLAN'?: { Plan: { 'Plan Rows': number } }[] } | undefined
      return Number(where ? (result?.['QUERY PLAN']?.[0]?.Plan['Plan Rows'] ?? 0) : (result?.estimate ?? -1))
    })
    this.estimates.delete(sql)
    this.estimates.set(sql, { rows, at: Date.now() })
    if (this.estimates.size > 1_000) this.estimates.delete(this.estimates.keys().next().value!)
    rows.catch(() => this.estimates.delete(sql))
    return rows
  }

  /**
   * A field the list offers to sort by (none given: the id; anything else is refused); the id also
   * breaks ties so that pages never repeat or skip rows.
   */
  private order(sort: Sort) {
    if (sort.sortBy) this.assertListQuery({ sortBy: sort.sortBy })
    const sortBy = sort.sortBy && this.readableAttributes().includes(sort.sortBy) ? sort.sortBy : 'id'
    const direction: 'asc' | 'desc' = sort.direction === 'desc' ? 'desc' : 'asc'
    return { sortBy, direction, order: [[sortBy, direction.toUpperCase()], ['id', direction.toUpperCase()]] as [string, string][] }
  }

  // Reads are plain rows (see read): building a Sequelize instance per row (and deep-cloning it in
  // toJSON) cost more than the query itself on a list page.
  async find(filter: Filter, options: { limit?: number; offset?: number; sort?: Sort }, context?: Context) {
    const { limit = 20, offset = 0, sort = {} } = options
    const rows = await this.read(this.where(filter, context), { limit, offset, order: this.order(sort).order })
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
    const [row] = await this.read(this.scoped({ id: Number(id) }, context), { limit: 1, computed })
    if (!row) return null
    for (const [path, reference] of references) {
      const title = row[`${TITLE_OF}${path}`]
      delete row[`${TITLE_OF}${path}`]
      if (row[path] === null || row[path] === undefined || title === null || title === undefined) continue
      const byResource = knownReferences.get(context!) ?? new Map<string, Map<string, Record<string, unknown>>>()
      knownReferences.set(context!, byResource)
      const known = byResource.get(reference.resourceId) ?? new Map<string, Record<string, unknown>>()
      byResource.set(reference.resourceId, known)
      known.set(String(row[path]), { id: row[path], [reference.title]: title })
    }
    return this.stored(row)
  }

  async findMany(ids: Array<string | number>, context?: Context) {
    const known = context ? knownReferences.get(context)?.get(this.id()) : undefined
    if (known && ids.length && ids.every((id) => known.has(String(id)))) return ids.map((id) => this.stored(known.get(String(id))!))
    const rows = await this.read(this.scoped({ id: { [Op.in]: numericIds(ids) } }, context))
    return rows.map((row) => this.stored(row))
  }

  /** This resource's references whose titles a query of ours can read (see titleSubquery). */
  private titledReferences(context: Context) {
    const references = new Map<string, { resourceId: string; title: string; subquery: string }>()
    const admin = (context as ActionContext | undefined)?._admin
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
   * and its total come from one pass over the matches (pageAndTotal); rows carry only the listed columns (row-level
   * isAccessible/isVisible rules see those); references carry only their title; each action is
   * serialized once per page, not once per row.
   */
  async listPage(filter: Filter, query: { page: number; perPage: number } & Sort, context: ActionContext): Promise<ListPage> {
    const { page, perPage } = query
    const sort = this.order(query)
    const decorated = this.decorate()
    this.listed ??= new Set(['id', decorated.titleProperty().name(), ...decorated.getListProperties().map((p) => p.propertyPath), ...this.listAlso])
    // A reference column's titles come with the page (a subquery per row) where the referenced rows
    // are not row-scoped for this user; otherwise from one look-up per reference.
    const references = decorated.getListProperties().filter((property) => property.reference())
    const inlineTitles = new Map<string, string>()
    for (const property of references) {
      const target = property.reference()
      const subquery = target instanceof AppResource ? target.titleSubquery(`"page"."${property.propertyPath}"`, context.currentAdmin) : undefined
      if (subquery) inlineTitles.set(property.propertyPath, subquery)
    }
    const columns = {
      attributes: this.readableAttributes().filter((name) => this.listed!.has(name) || name === sort.sortBy),
      computed: new Map([...inlineTitles].map(([path, subquery]) => [`${TITLE_OF}${path}`, subquery])),
    }
    const known = await this.knownTotalOf(filter, context)
    const { rows, total } = await this.pageAndTotal(this.where(filter, context), sort, perPage, (page - 1) * perPage, columns, known)
    const records = rows.map((row) => {
      const listed: Record<string, unknown> = {}
      for (const name of this.listed!) if (name in row) listed[name] = row[name]
      return this.stored(listed)
    })

    const populated = records.map(() => ({}) as Record<string, unknown>)
    await Promise.all(
      references.map(async (property) => {
        const path = property.propertyPath
        const target = property.reference()!
        const ids = [...new Set(records.map((record) => record.params[path]).filter((id) => id !== null && id !== undefined))]
        if (!ids.length) return
        const titles = inlineTitles.has(path)
          ? new Map(rows.map((row) => [String(row[path]), row[`${TITLE_OF}${path}`]] as const).filter(([, title]) => title !== null && title !== undefined))
          : target instanceof AppResource
            ? await target.titlesOf(ids as number[], context)
            : await titlesFromRecords(target, ids, context)
        records.forEach((record, i) => {
          const id = String(record.params[path])
          const title = titles.get(id)
          // What the list's reference cell reads: the title (a link only with a "show" action).
          if (title !== undefined) populated[i][path] = { id, title: String(title), recordActions: [] }
        })
      }),
    )

    const { currentAdmin } = context
    const serialized = new Map<ActionDecorator, Record<string, unknown>>()
    const listed = (action: ActionDecorator) => {
      if (!serialized.has(action)) serialized.set(action, forListRow(action.toJSON(currentAdmin) as unknown as Record<string, unknown>))
      return serialized.get(action)!
    }
    return {
      meta: { total, perPage, page, sortBy: sort.sortBy, direction: sort.direction },
      // No `title` (the list shows the title column from params) and no `baseError` (null): the
      // list page reads neither, and every byte of a row is paid once per row.
      records: records.map((record, i) => ({
        params: record.params,
        populated: populated[i],
        errors: {},
        id: record.id(),
        recordActions: decorated.recordActions(record, currentAdmin).map(listed),
        bulkActions: decorated.bulkActions(record, currentAdmin).map(listed),
      })) as unknown as RecordJSON[],
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
    const rows = await this.read(this.scoped({ id: { [Op.in]: numericIds(ids) } }, context), { attributes: ['id', title] })
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
          const current = await this.lockedVersion(where, transaction)
          if (current !== undefined && current !== base) throw new StaleVersion()
          where = { [Op.and]: [where, { [versionField!]: base }] }
        }
        return this.model.update(values, { where, transaction, ...actorOf(context) })
      })
    } catch (error) {
      if (base !== undefined && (error instanceof StaleVersion || isStaleVersionRefusal(error))) {
        throw await staleVersionError(this.model.sequelize!, this.definition, Number(id), base)
      }
      throw this.asValidationError(error)
    }
    const row = await this.findScoped(id, context)
    return row ? this.present(row.toJSON()) : {}
  }

  /** The row's version, locked until the transaction ends (undefined: no such row for this user). */
  private async lockedVersion(where: WhereOptions, transaction: Transaction) {
    const field = this.definition.versionField!
    const row = await this.model.findOne({ attributes: [field], where, transaction, lock: true })
    return row ? Number(row.get(field)) : undefined
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
      const name = (error as Error).name
      // Which record was refused, when several were asked for.
      const prefix = ids.length > 1 && title() !== undefined ? `${title()}: ` : ''
      if (name === 'SequelizeValidationError') {
        const errors = fieldErrorsFrom(error, this.definition) ?? {}
        throw new ValidationError(errors, { message: prefix + (Object.values(errors)[0]?.message ?? 'This record cannot be deleted') })
      }
      // 23001: PostgreSQL 17 (the embedded database) reports an ON DELETE RESTRICT as restrict_violation.
      const code = ((error as { original?: { code?: string } }).original ?? {}).code
      if (name === 'SequelizeForeignKeyConstraintError' || code === '23503' || code === '23001') {
        throw new ValidationError({}, { message: `${prefix}This record is still used by other records and cannot be deleted` })
      }
      throw error
    }
  }

  /**
   * Runs a panel write in a transaction that names its author: the change-history triggers read
   * the actor from these transaction-local settings (anything else is recorded as "system").
   * `operation` ("bulk:<uuid>", …) groups the entries of one operation that changes many rows.
   */
  asActor<T>(context: Context, write: (transaction: Transaction) => Promise<T>, operation?: string): Promise<T> {
    const sequelize = this.model.sequelize!
    return sequelize.transaction(async (transaction) => {
      const actor = context?.currentAdmin
      if (actor) {
        await sequelize.query(`SELECT set_config('app.actor_id', :id, true), set_config('app.actor_email', :email, true)`, {
          replacements: { id: String(actor.id), email: String(actor.email) },
          transaction,
        })
      }
      if (operation) {
        await sequelize.query(`SELECT set_config('app.operation', :operation, true)`, { replacements: { operation }, transaction })
      }
      return write(transaction)
    })
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

  /** Stored shape → the shape the panel edits and shows (e.g. [1, 15] → "1, 15"); secrets dropped. */
  private present(json: Record<string, unknown>) {
    const presented: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(json)) {
      if (this.secrets.includes(name)) continue
      const def = this.fields.get(name)
      const toPanel = def && kinds[def.kind].toPanel
      presented[name] = toPanel ? toPanel(value) : value
    }
    return presented
  }

  asValidationError(error: unknown) {
    const errors = fieldErrorsFrom(error, this.definition)
    if (!errors) return error
    return new ValidationError(errors, { message: 'Please correct the marked fields', type: 'validationError' })
  }
}

/** The acting user, in the options of a model write, for the model's own-account rules (see admin-user.rules.ts). */
const actorOf = (context: Context): ActorOptions => (context?.currentAdmin?.id !== undefined ? { actor: { id: context.currentAdmin.id } } : {})

/** An edit based on a version that is no longer the stored one (see AppResource.update). */
class StaleVersion extends Error {}

/** The database's own refusal of a stale write (migration 0008's trigger). */
const isStaleVersionRefusal = (error: unknown) => {
  const original = (error as { original?: { constraint?: string } })?.original
  return typeof original?.constraint === 'string' && original.constraint.endsWith('_version_stale')
}

/** Where a page row carries a reference's title (see listPage). */
const TITLE_OF = '__titleOf.'
/** Per request (its action context): referenced rows already read, by resource and id (see findOne). */
const knownReferences = new WeakMap<object, Map<string, Map<string, Record<string, unknown>>>>()

/** No filter and no row scope: the whole table. */
const isUnfiltered = (where: WhereOptions) => (where as { [Op.and]: unknown[] })[Op.and].length === 0

const numericIds = (ids: Array<string | number>) => ids.map(String).filter((id) => /^\d+$/.test(id)).map(Number)

async function titlesFromRecords(resource: BaseResource, ids: Array<string | number>, context?: Context) {
  const records = await resource.findMany(ids, context as ActionContext)
  return new Map(records.map((record) => [String(record.id()), String(resource.decorate().titleOf(record))]))
}

/**
 * A row's action menu needs the name, label, icon, variant, guard and parent; the rest (layout,
 * page settings, custom data) is for the action's own page, which fetches its records again.
 * Defaults the front end reads as falsy are left out.
 */
function forListRow(action: Record<string, unknown>) {
  const { layout, containerWidth, hideActionHeader, showResourceActions, showFilter, custom, ...kept } = action
  if (kept.parent === null) delete kept.parent
  if (kept.showInDrawer === false) delete kept.showInDrawer
  if (kept.variant === 'default') delete kept.variant
  if (kept.guard === '') delete kept.guard
  if (kept.custom && !Object.keys(kept.custom).length) delete kept.custom
  // The row's buttons take the resource from the list (only a CSS hook read it from the action),
  // and an action's component is read on the action's own page, which loads its action afresh.
  delete kept.resourceId
  if (typeof kept.component === 'string') delete kept.component
  if (kept.component === false) delete kept.hasHandler
  return kept
}

/**
 * A referenced record as an answer carries it: its id and title (its other columns are not the
 * user's to read: a manager may not open Products), linked when the user may open it. On a failed
 * write the references are what was posted, not what is stored: anyone could read the title of any
 * row by typing its id (an inactive product, another manager), so there only references the user
 * may open are kept (the form keeps showing what it showed).
 */
function referenceAsSeenBy(referenced: unknown, currentAdmin: CurrentAdmin | undefined, failedWrite: boolean): RecordJSON | undefined {
  if (!(referenced instanceof BaseRecord)) return undefined
  const decorated = referenced.resource.decorate()
  const show = decorated.actions.show
  const mayOpen = Boolean(show?.isAccessible(currentAdmin, referenced))
  if (failedWrite && !mayOpen) return undefined
  const id = referenced.id()
  const linked = mayOpen && Boolean(show.isVisible(currentAdmin, referenced))
  return {
    id,
    title: decorated.titleOf(referenced),
    params: { id },
    populated: {},
    errors: {},
    baseError: null,
    recordActions: linked ? [{ name: 'show', actionType: 'record', resourceId: decorated.id() }] : [],
    bulkActions: [],
  } as unknown as RecordJSON
}

/**
 * A record that never serializes secrets (even ones echoed back from a submitted form), and that an
 * edit cannot point at another row: AdminJS merges the posted params into the record before it
 * asks for `id()`, so a posted `id` would otherwise redirect the update.
 */
class SafeRecord extends BaseRecord {
  constructor(
    params: Record<string, unknown>,
    resource: AppResource,
    private readonly secretNames: string[],
    private readonly postable: Set<string>,
    private readonly storedId: string | undefined,
  ) {
    super(params, resource)
  }

  id() {
    return this.storedId ?? super.id()
  }

  async update(params: Record<string, unknown>, context?: ActionContext) {
    return super.update(onlyWritable(params, this.postable), context)
  }

  toJSON(currentAdmin?: CurrentAdmin) {
    // References are shaped here rather than serialized whole (see referenceAsSeenBy), so every
    // answer that carries this record, error answers included, carries them the same way.
    const populated = this.populated
    this.populated = {}
    let json: RecordJSON
    try {
      json = super.toJSON(currentAdmin)
    } finally {
      this.populated = populated
    }
    const failedWrite = Boolean(this.baseError) || Object.keys(this.errors ?? {}).length > 0
    for (const [path, referenced] of Object.entries(populated ?? {})) {
      const shaped = referenceAsSeenBy(referenced, currentAdmin, failedWrite)
      if (shaped) json.populated[path] = shaped
    }
    for (const key of Object.keys(json.params)) {
      if (this.secretNames.some((secret) => key === secret || key.startsWith(`${secret}.`))) delete json.params[key]
    }
    return json
  }
}
