import type { Model, ModelStatic, Transaction } from 'sequelize'
import type { AppResource } from '../panel/adapter/app-resource.js'
import type { ResourceDefinition } from '../fields/model.js'
import type { ResetRule, ValueRule } from '../resources/registry.js'
import type { FinishedReport, ImportProgress } from './import-report.js'

/** What an import of one resource works with, set up once by the app. */
export type ImportOptions = {
  model: ModelStatic<Model>
  resource: AppResource
  definition: ResourceDefinition
  /**
   * The fields that match a row to a stored record (the registry's importKey: a client's login; a
   * sender name's client and name): required columns, compared case-insensitively. The row's
   * owner is the definition's `ownedBy` (a manager imports only their own, as themselves) or comes
   * through its `ownedThrough` reference (found only among the manager's own records).
   */
  keyFields: readonly string[]
  /** The registry entry's role rules as data: who may set which value, which changes reset one. */
  valueRules?: readonly ValueRule[]
  resetRules?: readonly ResetRule[]
  bcryptRounds: number
}

/** One run's hooks: progress, cancellation, and a write that commits (or not) with the apply. */
export type ImportRun = {
  onProgress?: (progress: ImportProgress) => void
  /** Aborting stops the run between rows or statements; an apply in progress rolls back. */
  signal?: AbortSignal
  /** Runs inside the apply's transaction, just before it commits: a job records its report there. */
  beforeCommit?: (report: FinishedReport, transaction: Transaction) => Promise<void>
  /**
   * A folder of the run's own where each pass keeps its report's rows (a job's): without it they
   * stay in memory, which suits only an import small enough to run in the request.
   */
  reportFolder?: string
  /** Runs first inside the apply's transaction (bulk work raises its statement timeout there). */
  inTransaction?: (transaction: Transaction) => Promise<void>
}

/** Stored rows looked up per query. */
export const LOOKUP_CHUNK = 1000

export const chunks = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))
