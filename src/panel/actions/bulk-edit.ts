import { randomUUID } from 'node:crypto'
import { flat, ValidationError, type ActionContext, type ActionHandler, type ActionRequest, type ActionResponse, type CurrentAdmin } from 'adminjs'
import type { NextFunction, Request, Response } from 'express'
import type { Model, ModelStatic, Transaction } from 'sequelize'
import { isStaff } from '../../access/index.js'
import { asBulkWork, type BulkTicket } from '../../db/bulk-share.js'
import { attributesToCheck, bulkEditableFields, checkRows, writeRows, type RowCheck } from '../../fields/bulk-update.js'
import type { ResourceDefinition } from '../../fields/model.js'
import { blankInputsToNull } from './action-hooks.js'
import { ListFilter, type AppResource, type BulkTarget } from '../adapter/app-resource.js'
import { refusingUnknownFields, searchText } from '../list-query.js'

/**
 * "Edit selected" (a bulk action on the selected rows) and "Edit all matching" (a resource action
 * on everything the list's filter matches): one change to many records, previewed (`dryRun=1`),
 * then applied all or nothing in one transaction that the change history records as one
 * operation ("bulk:<uuid>"). Both answer AdminJS's bulk shape with the report beside it.
 */

export const NOT_REACHABLE = 'Not found or not yours'

export type BulkEditRow = {
  row: number
  id: number | null
  login: string | null
  action: 'update' | 'unchanged' | 'error' | 'skipped'
  errors: Record<string, string>
  /** A `skipped` row's reasons by field ("skipped: already set"); the row is left alone. */
  skipped?: Record<string, string>
}
export type BulkEditReport = {
  dryRun: boolean
  total: number
  created: 0
  updated: number
  unchanged: number
  /** Rows left alone because a set-once field already has a value (not a failure). */
  skipped: number
  failed: number
  rows: BulkEditRow[]
}

export type BulkEditOptions = {
  model: ModelStatic<Model>
  /** The BulkEdit component's id (src/panel/components.ts). */
  component: string
  definition: ResourceDefinition
  /** Messages that hold for every row of this user's change, by field (e.g. a role may not set it). */
  refusedFor?: (values: Record<string, unknown>, currentAdmin: CurrentAdmin | undefined) => Record<string, string> | undefined
}

const MAX_REFUSED_NAMED = 20

/** Form keys that steer the operation rather than set a field. */
const CONTROL_KEYS = new Set(['dryRun'])

/** The touched fields and their values, or a ValidationError naming what cannot be set in bulk. */
function changeFrom(payload: Record<string, unknown> | undefined, editable: Set<string>) {
  const values: Record<string, unknown> = {}
  const refused: Record<string, { message: string; type: string }> = {}
  for (const [key, value] of Object.entries(flat.unflatten(payload ?? {}) as Record<string, unknown>)) {
    if (CONTROL_KEYS.has(key)) continue
    if (editable.has(key)) values[key] = value
    // Named up to a few: a form of a thousand made-up fields gets a short answer.
    else if (Object.keys(refused).length < MAX_REFUSED_NAMED) refused[key] = { message: 'Cannot be changed in bulk', type: 'bulkEdit' }
  }
  if (Object.keys(refused).length) throw new ValidationError(refused, { message: 'Only the fields of the bulk edit form can be changed in bulk' })
  if (!Object.keys(values).length) throw new ValidationError({}, { message: 'Choose at least one field to change' })
  return values
}

/** The record ids of a bulk request, in their order, without repeats (non-numbers kept, to be reported). */
const requestedIds = (query: Record<string, unknown> | undefined) => [
  ...new Set(
    String(query?.recordIds ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  ),
]

/**
 * The list's filter and search from a request's query (`filters.<field>=`, `q=`), every filter name
 * kept: the adapter refuses one the list does not offer (UnknownFieldError), as the list itself
 * does, rather than acting on more records than the filter says.
 */
export function listFilter(query: Record<string, unknown> | undefined, resource: AppResource) {
  const { filters = {}, q } = flat.unflatten(query ?? {}) as { filters?: Record<string, unknown>; q?: unknown }
  return new ListFilter(filters, resource, searchText(q))
}

class NothingSaved extends Error {
  constructor(readonly checks: RowCheck[]) {
    super('a rule refused at least one row')
  }
}

function reportOf(dryRun: boolean, rows: BulkEditRow[]): BulkEditReport {
  const count = (action: BulkEditRow['action']) => rows.filter((row) => row.action === action).length
  return { dryRun, total: rows.length, created: 0, updated: count('update'), unchanged: count('unchanged'), skipped: count('skipped'), failed: count('error'), rows }
}

function noticeOf(report: BulkEditReport, saved: boolean) {
  const skipped = report.skipped ? `, ${report.skipped} skipped (already set)` : ''
  const parts = `${report.updated} to change, ${report.unchanged} unchanged${skipped}, ${report.failed} with errors`
  if (report.dryRun) return { type: report.failed ? 'error' : 'info', message: `Preview of ${report.total} records: ${parts}. Nothing saved yet.` } as const
  if (!saved) return { type: 'error', message: `Nothing saved: ${report.failed} of ${report.total} records break a rule (see the rows).` } as const
  const notReached = report.failed ? `; ${report.failed} not found or not yours, left alone` : ''
  return { type: 'success', message: `Changed ${report.updated} records, ${report.unchanged} unchanged${skipped}${notReached}.` } as const
}

/** The two actions, for a resource's `actions` option. */
export function bulkEditActions(options: BulkEditOptions) {
  const { model, definition } = options
  const fields = bulkEditableFields(definition)
  const editable = new Set(fields.map(([name]) => name))
  // Labels and choices come from the resource's own properties in the browser; this says which
  // fields, in form order, and the rules the form hints at.
  const custom = {
    fields: fields.map(([name, def]) => ({
      name,
      kind: def.kind,
      ...(def.pairedWith && { pairedWith: def.pairedWith }),
      ...(def.readOnlyOnceSet && { readOnlyOnceSet: true }),
    })),
  }

  const run = async (request: ActionRequest, context: ActionContext, target: BulkTarget, ids?: string[], ticket?: BulkTicket) => {
    const resource = context.resource as AppResource
    const values = changeFrom(request.payload, editable)
    const dryRun = String(request.payload?.dryRun ?? '1') !== '0'
    const where = resource.bulkWhere(target, context)
    const title = resource.decorate().titleProperty().name()
    const everyRow = options.refusedFor?.(values, context.currentAdmin)
    const attributes = [title, ...attributesToCheck(definition, Object.keys(values))]

    const check = async (transaction?: Transaction) => {
      const rows = await resource.rowsWhere(where, { transaction, lock: Boolean(transaction), attributes })
      return checkRows(model, definition, rows, values, { transaction, everyRow })
    }
    const reportRows = (checks: RowCheck[]): BulkEditRow[] => {
      const asRow = (check: RowCheck, position: number): BulkEditRow => ({
        row: position,
        id: check.id,
        login: (check.row[title] as string | undefined) ?? null,
        action: check.action,
        errors: check.errors,
        ...(check.skipped && { skipped: check.skipped }),
      })
      if (!ids) return checks.map((check, i) => asRow(check, i + 1))
      const byId = new Map(checks.map((check) => [String(check.id), check]))
      return ids.map((id, i) => {
        const check = byId.get(id)
        if (check) return asRow(check, i + 1)
        return { row: i + 1, id: /^\d+$/.test(id) ? Number(id) : null, login: null, action: 'error', errors: { id: NOT_REACHABLE } }
      })
    }

    let checks: RowCheck[]
    let saved = false
    const operation = `bulk:${randomUUID()}`
    if (dryRun) {
      checks = await check()
    } else {
      try {
        checks = await resource.asActor(
          context,
          async (transaction) => {
            await ticket?.inTransaction(transaction)
            const checked = await check(transaction)
            // All or nothing: any rule broken on a row this user may change saves nothing.
            if (checked.some((row) => row.action === 'error')) throw new NothingSaved(checked)
            await writeRows(model, checked, where, transaction)
            return checked
          },
          operation,
        )
        saved = true
      } catch (error) {
        if (!(error instanceof NothingSaved)) throw resource.asValidationError(error)
        checks = error.checks
      }
    }
    const report = reportOf(dryRun, reportRows(checks))
    return {
      // AdminJS's bulk controller wants records; the report lists every row, so none are repeated.
      records: [],
      notice: noticeOf(report, saved),
      report,
      ...(saved && report.updated && { operation }),
    }
  }

  const selected: ActionHandler<ActionResponse> = async (request, _response, context) => {
    if (request.method === 'get') return { records: (context.records ?? []).map((record) => record.toJSON(context.currentAdmin)) }
    const ids = requestedIds(request.query)
    return run(request, context, { ids: ids.filter((id) => /^\d+$/.test(id)).map(Number) }, ids)
  }

  const matching: ActionHandler<ActionResponse> = refusingUnknownFields(async (request, _response, context) => {
    const resource = context.resource as AppResource
    const filter = listFilter(request.query, resource)
    if (request.method === 'get') return { total: await resource.countWhere(resource.bulkWhere({ filter }, context)) }
    if (String(request.query?.allMatching ?? '') !== '1') {
      throw new ValidationError({}, { message: 'Say allMatching=1 to change every record the filter matches' })
    }
    // Every record a filter matches may be a million: bulk work, within its share (429 beyond it).
    const currentAdmin = context.currentAdmin!
    return asBulkWork(model.sequelize!, 'bulkEdit', currentAdmin.id ?? currentAdmin.email, (ticket) => run(request, context, { filter }, undefined, ticket))
  })

  const shared = { isAccessible: isStaff, isVisible: isStaff, before: [blankInputsToNull], component: options.component, custom }
  return {
    // A page of its own: every list row carries its bulk actions, so each byte here is paid ten times.
    bulkEdit: { ...shared, actionType: 'bulk' as const, icon: 'Edit', handler: selected },
    // A drawer over the list: opening it carries the list's query (its filters) along.
    bulkEditMatching: { ...shared, actionType: 'resource' as const, icon: 'Edit', handler: matching, showInDrawer: true, containerWidth: 720 },
  }
}

/**
 * `POST …/bulk/bulkEdit?allMatching=1&filters.…` carries no recordIds, which AdminJS's bulk route
 * refuses before any action runs: such a request is served by the resource action that edits
 * everything the filter matches, with the same query and answer.
 */
export function allMatchingBulkEditRoute(rootPath: string) {
  const bulkPath = new RegExp(`^${rootPath}/api/resources/([^/]+)/bulk/bulkEdit$`)
  return (req: Request, _res: Response, next: NextFunction) => {
    const [path, search = ''] = req.url.split('?')
    const match = bulkPath.exec(path)
    if (match && new URLSearchParams(search).get('allMatching') === '1') {
      req.url = `${rootPath}/api/resources/${match[1]}/actions/bulkEditMatching?${search}`
    }
    next()
  }
}
