import type { Action, ActionResponse, RecordActionResponse } from 'adminjs'
import { isAdmin } from '../access/index.js'

/**
 * The AdminUser record action "Reset two-factor": its page (components/ResetTwoFactor.jsx) shows
 * whether the user has it on and resets it through POST /admin/api/account/users/<id>/two-factor/reset,
 * which records the reset in the change history. The action itself only serves the record.
 */
export function resetTwoFactorAction(component: string): Partial<Action<ActionResponse>> {
  return {
    actionType: 'record',
    icon: 'Unlock',
    isAccessible: isAdmin,
    isVisible: isAdmin,
    component,
    handler: async (_request, _response, { record, currentAdmin }): Promise<RecordActionResponse> => ({ record: record!.toJSON(currentAdmin) }),
  }
}
