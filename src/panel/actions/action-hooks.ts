import type { Action, ActionRequest, ActionResponse, After, Before, ResourceOptions } from 'adminjs'

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

type RecordActionJson = { name?: string; layout?: unknown }
type SentRecord = { recordActions?: RecordActionJson[]; bulkActions?: RecordActionJson[] }

/**
 * A record sent to the show or edit page carries every action it offers, each with its form layout
 * (~10 KB each for a client, the same for every record one role opens). The buttons need only the
 * actions' names and labels, and the page takes its own layout from its resource, loaded with the
 * panel (components/page-layout.js), so no answer carries one. (Referenced records are shaped by
 * the adapter's record itself, for the user who asks: see referenceAsSeenBy in
 * adapter/response-shaping.ts.)
 */
export const compactRecordResponse: After<ActionResponse> = async (response) => {
  const sent = [response.record, ...((response.records as unknown[] | undefined) ?? [])] as (SentRecord | undefined)[]
  for (const record of sent) {
    for (const action of [...(record?.recordActions ?? []), ...(record?.bulkActions ?? [])]) delete action.layout
  }
  return response
}

type Actions = NonNullable<ResourceOptions['actions']>
type ActionOptions = Partial<Action<ActionResponse>>

/** Every action of a resource answers through compactRecordResponse (after its own after hooks). */
export function withCompactAnswers(actions: Actions): Actions {
  const names = ['list', 'search', 'show', 'new', 'edit', 'delete', 'bulkDelete', ...Object.keys(actions)]
  return Object.fromEntries(
    [...new Set(names)].map((name) => {
      const action: ActionOptions = (actions as Record<string, ActionOptions>)[name] ?? {}
      const after = action.after ? [action.after].flat() : []
      return [name, { ...action, after: [...after, compactRecordResponse] }]
    }),
  ) as Actions
}
