import { literal, Op, QueryTypes, type Model, type ModelStatic, type Transaction, type WhereOptions } from 'sequelize'
import { selectRows, selectRowSets, type TotalStatement } from '../../db/select-rows.js'
import { selectSql } from '../adminjs-internals/select-sql.js'

// Owns the SQL of the adapter's reads: plain-row SELECTs, a list page and its total (counted up
// to a cap, or the planner's estimate for big tables), and the cached planner estimates behind them.

/** Above this many rows (by the planner's statistics) an unfiltered list shows an estimated total. */
const ESTIMATE_ABOVE = 100_000
/**
 * Any other list counts at most this many matches (100 pages of 10): beyond that an exact total
 * costs a scan of every match on every page view, and nobody pages that far instead of filtering.
 */
export const COUNT_CAP = 1_000

/** A filtered list the planner expects to match this many rows is not counted (see pageAndTotal). */
const BROAD_ABOVE = 10 * COUNT_CAP
/** The column a list's page carries its total in when both are read by one statement (no attribute's name). */
const TOTAL = '__total'
/** Planner estimates only change with ANALYZE: one lookup serves many page views. */
const ESTIMATE_TTL_MS = 10_000

/** A list's order: the sort column, its direction, and the id as tie-breaker. */
export type Order = { sortBy: string; direction: 'asc' | 'desc'; order: [string, string][] }

/** Extra columns of a read: stored attributes, and computed ones by alias (SQL over the row's columns). */
export type Columns = { attributes?: string[]; computed?: Map<string, string> }

/** No filter and no row scope: the whole table. */
const isUnfiltered = (where: WhereOptions) => (where as { [Op.and]: unknown[] })[Op.and].length === 0

export class TableReader {
  private readable?: string[]
  private readonly estimates = new Map<string, { rows: Promise<number>; at: number }>()

  constructor(
    private readonly model: ModelStatic<Model>,
    private readonly table: string,
    private readonly secrets: string[],
  ) {}

  /** Every stored attribute but the secrets (what the default scope reads). */
  readableAttributes(): string[] {
    return (this.readable ??= Object.entries(this.model.getAttributes())
      .filter(([name, attribute]) => (attribute.type as { key?: string }).key !== 'VIRTUAL' && !this.secrets.includes(name))
      .map(([name]) => name))
  }

  /** The SELECT Sequelize would send for these attributes and conditions (attribute names mapped to columns). */
  selectSql(attributes: Array<string | [unknown, string]>, where: WhereOptions, limit?: number, offset?: number, order?: [string, string][]) {
    return selectSql(this.model, this.table, attributes, where, limit, offset, order)
  }

  /**
   * The SELECT of every row matching `where`, in the given order, unpaged (for a cursor).
   * `computed`: more columns by alias, as SQL that names this query's columns through `columnSql`.
   */
  selectAllSql(where: WhereOptions, order: [string, string][], attributes: string[], computed = new Map<string, string>()): string {
    const columns = [...attributes, ...[...computed].map(([alias, sql]) => [literal(sql), alias] as [unknown, string])]
    return this.selectSql(columns, where, undefined, undefined, order)
  }

  /** An attribute's column as the SELECTs built here name it, for a computed column's SQL. */
  columnSql(attribute: string): string {
    return `"${this.model.name}"."${this.model.getAttributes()[attribute].field}"`
  }

  /**
   * Rows as plain objects (by default every readable attribute). The SQL is the one findAll would
   * send; skipping findAll's option cloning, scopes and hooks halves the cost of a read on a list page.
   */
  async read(where: WhereOptions, options: { limit?: number; offset?: number; order?: [string, string][] } & Columns = {}) {
    return selectRows(this.model.sequelize!, this.readSql(where, options))
  }

  /** The SELECT `read` sends. */
  private readSql(where: WhereOptions, options: { limit?: number; offset?: number; order?: [string, string][] } & Columns) {
    const sql = this.selectSql(options.attributes ?? this.readableAttributes(), where, options.limit, options.offset, options.order)
    if (!options.computed?.size) return sql
    // Computed around the cut page: in the same SELECT, PostgreSQL would compute them for every
    // row an OFFSET skips as well.
    const columns = [...options.computed].map(([alias, expression]) => `${expression} AS "${alias}"`).join(', ')
    const order = (options.order ?? []).map(([name, direction]) => `"page"."${name}" ${direction}`).join(', ')
    return `SELECT "page".*, ${columns} FROM (${sql}) AS "page"${order && ` ORDER BY ${order}`}`
  }

  /** A known total as a number, reading it where it is a statement. */
  async totalOf(known: number | TotalStatement): Promise<number> {
    return typeof known === 'number' ? known : Number((await selectRows(this.model.sequelize!, known.totalSql))[0].total)
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

  /**
   * A page of rows and the list's total, built for big tables:
   * - when the planner expects many rows (a table of ESTIMATE_ABOVE, or a filter matching
   *   BROAD_ABOVE), nothing is counted: the total is that estimate (unfiltered) or COUNT_CAP
   *   (filtered), and the page comes straight from the sort index;
   * - otherwise the matches are read once (at most COUNT_CAP + 1, id and sort key only), counted,
   *   and the page's ids picked from them; the rows are then read by id. If more than COUNT_CAP
   *   match after all, the page is read with the filter.
   * A short page gives the exact total (its offset plus its rows): the pager ends where the rows
   * do, even where an estimate was off. A `known` total (see KnownTotal) is the total as it is
   * (a statement is read with the page, in one round trip).
   * The condition comes in two forms with the same matches (filters.ts containing): `planned` for
   * the estimate and the pages read in the sort order, `scanned` (built when needed) for the pass over every match.
   */
  async pageAndTotal(
    { planned: where, scanned }: { planned: WhereOptions; scanned: () => WhereOptions },
    sort: Order,
    limit: number,
    offset: number,
    columns: Columns = {},
    known?: number | TotalStatement,
  ) {
    const page = async (atLeast: number) => {
      const rows = await this.read(where, { limit, offset, order: sort.order, ...columns })
      const exact = rows.length < limit && (rows.length > 0 || offset === 0)
      return { rows, total: exact ? offset + rows.length : Math.max(atLeast, offset + rows.length) }
    }
    if (typeof known === 'number') return { rows: await this.read(where, { limit, offset, order: sort.order, ...columns }), total: known }
    if (known !== undefined) {
      const [[counted], rows] = await selectRowSets(this.model.sequelize!, [known.totalSql, this.readSql(where, { limit, offset, order: sort.order, ...columns })])
      return { rows, total: Number(counted.total) }
    }
    const unfiltered = isUnfiltered(where)
    const planned = await this.plannedRows(unfiltered ? undefined : where)
    if (unfiltered && planned >= ESTIMATE_ABOVE) return page(planned)
    if (!unfiltered && planned >= BROAD_ABOVE) return page(COUNT_CAP)

    const direction = sort.direction.toUpperCase()
    // The page's rows are read by the statement that counts, by the ids it picks from the matches
    // it has just found: one statement and one round trip, where reading them by id took a second.
    const picked = literal(`${this.columnSql('id')} IN (SELECT id FROM picked)`)
    const found = await selectRows(
      this.model.sequelize!,
      `WITH hits AS MATERIALIZED (${this.selectSql(['id', sort.sortBy], scanned(), COUNT_CAP + 1)}),
            picked AS (SELECT id FROM hits ORDER BY "${sort.sortBy}" ${direction}, id ${direction} LIMIT ${Number(limit)} OFFSET ${Number(offset)})
       SELECT counted.total AS "${TOTAL}", page.*
         FROM (SELECT count(*)::int AS total FROM hits) AS counted
         LEFT JOIN LATERAL (${this.readSql(picked, { order: sort.order, ...columns })}) AS page ON true`,
    )
    const total = Number(found[0]?.[TOTAL] ?? 0)
    if (total > COUNT_CAP) return page(COUNT_CAP)
    // No match on this page: the one row is the total's, with nothing beside it.
    const rows = found.filter((row) => row.id !== null)
    for (const row of rows) delete row[TOTAL]
    return { rows, total }
  }

  /**
   * The rows the planner expects: the table's statistics (reltuples) or, for a condition, EXPLAIN's
   * estimate. Estimates only change when the statistics do (ANALYZE), so each is kept for a few
   * seconds: paging through one filter plans it once.
   */
  private plannedRows(where?: WhereOptions): Promise<number> {
    const sequelize = this.model.sequelize!
    const sql = where
      ? `EXPLAIN (FORMAT JSON) ${this.selectSql(['id'], where)}`
      : `SELECT reltuples::bigint AS estimate FROM pg_class WHERE oid = to_regclass(${sequelize.escape(this.table)})`
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
}
