import type { RecordJSON } from 'adminjs'

// Why: list pages and references are answered with RecordJSON built here rather than by
// BaseRecord.toJSON (which serializes every action of every row); the front end reads these keys.

/** A RecordJSON with every key BaseRecord.toJSON writes (see test/adminjs-internals.test.ts). */
export function recordJson(fields: Pick<RecordJSON, 'id' | 'params' | 'populated' | 'recordActions'> & Partial<Pick<RecordJSON, 'title' | 'bulkActions' | 'errors' | 'baseError'>>): RecordJSON {
  const { id, title = '', params, populated, errors = {}, baseError = null, recordActions, bulkActions = [] } = fields
  return { id, title, params, populated, errors, baseError, recordActions, bulkActions }
}

/**
 * A list row: RecordJSON without `title` (the list shows the title column from params) and without
 * `baseError` (null): the list page reads neither, and every byte of a row is paid once per row.
 */
export function listRowJson(row: Pick<RecordJSON, 'id' | 'params' | 'populated' | 'recordActions' | 'bulkActions'>): RecordJSON {
  return { params: row.params, populated: row.populated, errors: {}, id: row.id, recordActions: row.recordActions, bulkActions: row.bulkActions } as unknown as RecordJSON
}

/**
 * A row's action menu needs the name, label, icon, variant, guard and parent; the rest (layout,
 * page settings, custom data) is for the action's own page, which fetches its records again.
 * Defaults the front end reads as falsy are left out.
 */
export function forListRow(action: Record<string, unknown>) {
  const { layout, containerWidth, hideActionHeader, showResourceActions, showFilter, custom, ...kept } = action
  if (kept.parent === null) delete kept.parent
  if (kept.showInDrawer === false) delete kept.showInDrawer
  if (kept.variant === 'default') delete kept.variant
  if (kept.guard === '') delete kept.guard
  // The row's buttons take the resource from the list (only a CSS hook read it from the action),
  // and an action's component is read on the action's own page, which loads its action afresh.
  delete kept.resourceId
  if (typeof kept.component === 'string') delete kept.component
  if (kept.component === false) delete kept.hasHandler
  return kept
}
