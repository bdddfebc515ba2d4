import type { ActionRequest, ActionResponse, After, Before } from 'adminjs'

/**
 * The form sends '' for an emptied field; AdminJS would turn that into 0 for numbers. Null lets the
 * model apply the field's default or leave an optional field empty.
 */
export const blankInputsToNull: Before = async (request: ActionRequest) => {
  if (!request.payload) return request
  const payload: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(request.payload)) payload[key] = value === '' ? null : value
  return { ...request, payload }
}

/** After a successful save, land on the record's own page rather than back on the list. */
export const landOnSavedRecord: After<ActionResponse> = async (response, request, context) => {
  const saved = response.record as { id?: string | number; errors?: Record<string, unknown> } | undefined
  if (request.method === 'post' && saved?.id && !Object.keys(saved.errors ?? {}).length && response.redirectUrl) {
    response.redirectUrl = context.h.recordActionUrl({ resourceId: context.resource.id(), recordId: String(saved.id), actionName: 'show' })
  }
  return response
}

type RecordActionJson = { name?: string; actionType?: string; resourceId?: string; layout?: unknown }
type SentRecord = {
  recordActions?: RecordActionJson[]
  bulkActions?: RecordActionJson[]
  populated?: Record<string, { id: string; title: string; recordActions?: RecordActionJson[] } | null>
}

/**
 * A record sent to the show or edit page carries the form layout of every action it offers
 * (~20 KB for a client); the page needs none of them but its own (the page takes its action from
 * the record). The buttons only need the actions' names. A referenced record shows as its title,
 * linked when it offers "show": it keeps only that.
 */
export const compactRecordResponse: After<ActionResponse> = async (response, _request, context) => {
  const record = response.record as SentRecord | undefined
  for (const action of [...(record?.recordActions ?? []), ...(record?.bulkActions ?? [])]) {
    if (action.name !== context.action.name) delete action.layout
  }
  for (const [path, populated] of Object.entries(record?.populated ?? {})) {
    if (!populated) continue
    const show = (populated.recordActions ?? []).filter((action) => action.name === 'show')
    record!.populated![path] = {
      id: populated.id,
      title: populated.title,
      params: { id: populated.id },
      populated: {},
      errors: {},
      recordActions: show.map(({ name, actionType, resourceId }) => ({ name, actionType, resourceId })),
      bulkActions: [],
    } as never
  }
  return response
}
