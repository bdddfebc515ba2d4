import type { Action, ActionResponse } from 'adminjs'
import { isStaff } from '../../access/index.js'

/**
 * "Import CSV" on a list: upload, dry run and apply (components/ImportCsv.jsx), served by
 * POST /admin/imports/<Resource> (src/imports/import-route.ts), which checks every rule and the
 * user's row scope itself. Offered by a registry entry with an `importKey`.
 */
export function importAction(component: string): Record<'importCsv', Partial<Action<ActionResponse>>> {
  return {
    importCsv: {
      actionType: 'resource',
      icon: 'Upload',
      isAccessible: isStaff,
      isVisible: isStaff,
      component,
      handler: async () => ({}),
    },
  }
}
