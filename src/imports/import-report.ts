import { createReadStream } from 'node:fs'
import { appendFile, writeFile } from 'node:fs/promises'
import { fieldsOf, type ResourceDefinition } from '../fields/model.js'
import { shownKey } from './import-key.js'

/**
 * Reporting: what each row of an import does or would do, and the summary above it. An update
 * names every field it changes, old → new, and the summary counts the rows each column changes
 * in ("Number of contract: 3,060 rows"), so a mass reinterpretation stands out before the apply.
 */

export type ImportAction = 'create' | 'update' | 'unchanged' | 'error'
/** A changed field: its text as stored, and as it will be stored. */
export type FieldChange = { from: string; to: string }
export type ImportRow = {
  row: number
  /**
   * The row's import key as the file has it: a client's login; a sender name's `client / name`
   * (named `login` since the client import, the first, and kept so).
   */
  login: string | null
  action: ImportAction
  errors: Record<string, string>
  /** Error rows: the cell text of each field named in `errors` (the bad value beside its message). */
  values?: Record<string, string>
  /** Update rows: only the fields whose stored value changes, in form order. */
  changes?: Record<string, FieldChange>
}
export type ImportReport = {
  dryRun: boolean
  total: number
  created: number
  updated: number
  unchanged: number
  failed: number
  /** Attribute → number of rows in which it changes. */
  changedColumns: Record<string, number>
  /** Attribute → label, for every field the rows name (the report reads without the form). */
  labels: Record<string, string>
  rows: ImportRow[]
  /**
   * Whether rows were compared with the stored records' versions (the file has a Version column),
   * and which rows of stored records had no version to compare (no such column, or an empty
   * cell): those overwrite whatever changed since. Only for a resource that counts versions.
   */
  versions?: { compared: boolean; rowsWithoutVersion: number[] }
}
export type ImportProgress = { phase: 'checking' | 'hashing' | 'applying' | 'done'; done: number; total: number }

/** One row as the checker left it, kept until the apply: only what the report and the writes need. */
export type Checked = {
  row: number
  key: string
  action: ImportAction
  errors: Record<string, string>
  /** Error rows: the cells the errors are about. */
  cells?: Record<string, string>
  changes?: Record<string, FieldChange>
  id?: number
  /** A row of a stored record whose Version cell is empty: nothing to compare. */
  unversioned?: boolean
  /** Column values as the model's setters left them (what would be written). */
  values: Record<string, unknown>
  password?: string
}

/**
 * A finished report: its counts for whoever logs or lists it, and its JSON text a piece at a time,
 * as a request answers it and a job stores it (never the whole text of a large report at once).
 */
export type FinishedReport = { summary: Omit<ImportReport, 'rows' | 'versions'>; pieces: () => AsyncIterable<string> }

/** A report's whole JSON text: only for one that ran in the request (at most IMPORT_INLINE_MAX_ROWS rows). */
export async function reportJson(report: FinishedReport): Promise<string> {
  let json = ''
  for await (const piece of report.pieces()) json += piece
  return json
}

/** Where a report keeps its rows, as JSON text a chunk of rows at a time, until it is read. */
export interface ReportRows {
  add(text: string): Promise<void>
  /** The rows' texts comma-separated, in order. */
  pieces(): AsyncIterable<string>
}

/** In memory: an import in the request, whose rows are few. */
export class ReportRowsInMemory implements ReportRows {
  private readonly parts: string[] = []
  async add(text: string) {
    this.parts.push(text)
  }
  async *pieces() {
    for (let i = 0; i < this.parts.length; i++) yield i ? `,${this.parts[i]}` : this.parts[i]
  }
}

/** The most text a piece of a report read from disk holds. */
const PIECE_BYTES = 256 * 1024

/**
 * In a file of the job's folder: a report of 100,000 rows is megabytes of text, which held in
 * memory and then joined, stored and read back whole took the server's memory over its budget
 * (issue #25). On disk it costs nothing until read, and is read a piece at a time.
 */
export class ReportRowsOnDisk implements ReportRows {
  private written = false
  constructor(private readonly file: string) {}
  async add(text: string) {
    if (this.written) await appendFile(this.file, `,${text}`)
    else await writeFile(this.file, text)
    this.written = true
  }
  async *pieces(): AsyncGenerator<string> {
    if (!this.written) return
    // A text stream: a character's bytes split between two reads are decoded together.
    yield* createReadStream(this.file, { encoding: 'utf8', highWaterMark: PIECE_BYTES }) as AsyncIterable<string>
  }
}

/**
 * Builds a report a chunk of rows at a time, keeping each chunk's rows only as one JSON text
 * (a few dozen bytes a row, instead of the objects of every checked row) until the report is done.
 */
export class ReportBuilder {
  private readonly counts = { create: 0, update: 0, unchanged: 0, error: 0 }
  private readonly changedColumns: Record<string, number> = {}
  private readonly named: Set<string>
  private readonly rowsWithoutVersion: number[] = []

  constructor(
    private readonly dryRun: boolean,
    private readonly definition: ResourceDefinition,
    keyFields: readonly string[],
    private readonly versions?: { compared: boolean },
    private readonly rows: ReportRows = new ReportRowsInMemory(),
  ) {
    this.named = new Set(keyFields)
  }

  get failed() {
    return this.counts.error
  }

  async add(checked: Checked[]) {
    const texts = checked.map(({ row, key, action, errors, cells, changes, unversioned }) => {
      this.counts[action] += 1
      for (const name of Object.keys(errors)) this.named.add(name)
      for (const name of Object.keys(changes ?? {})) {
        this.named.add(name)
        this.changedColumns[name] = (this.changedColumns[name] ?? 0) + 1
      }
      if (unversioned) this.rowsWithoutVersion.push(row)
      const reported: ImportRow = { row, login: key ? shownKey(key) : null, action, errors, ...(cells && { values: cells }), ...(changes && { changes }) }
      return JSON.stringify(reported)
    })
    if (texts.length) await this.rows.add(texts.join(','))
  }

  finish(): FinishedReport {
    const { counts, definition, named, rows } = this
    const summary = {
      dryRun: this.dryRun,
      total: counts.create + counts.update + counts.unchanged + counts.error,
      created: counts.create,
      updated: counts.update,
      unchanged: counts.unchanged,
      failed: counts.error,
      changedColumns: this.changedColumns,
      labels: Object.fromEntries(fieldsOf(definition).filter(([name]) => named.has(name)).map(([name, def]) => [name, def.label])),
    }
    const versions = this.versions && { compared: this.versions.compared, rowsWithoutVersion: this.rowsWithoutVersion }
    const head = `${JSON.stringify(summary).slice(0, -1)},"rows":[`
    const tail = `]${versions ? `,"versions":${JSON.stringify(versions)}` : ''}}`
    return {
      summary,
      async *pieces() {
        yield head
        yield* rows.pieces()
        yield tail
      },
    }
  }
}
