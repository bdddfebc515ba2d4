import type { ActionRequest, Before } from 'adminjs'

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
