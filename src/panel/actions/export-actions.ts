import type { Action, ActionResponse } from 'adminjs'
import { isStaff } from '../../access/index.js'

/**
 * "Export" on a list (its query) and on a selection: a drawer with the download links (the files
 * are served by src/exports/export-route.ts, which applies the user's row scope again). Offered by
 * a registry entry with `exportable: true`.
 */
export function exportActions(component: string): Record<'exportCsv' | 'exportSelectedCsv', Partial<Action<ActionResponse>>> {
  return {
    exportCsv: {
      actionType: 'resource',
      icon: 'Download',
      showInDrawer: true,
      isAccessible: isStaff,
      isVisible: isStaff,
      component,
      handler: async () => ({}),
    },
    exportSelectedCsv: {
      actionType: 'bulk',
      icon: 'Download',
      showInDrawer: true,
      isAccessible: isStaff,
      isVisible: isStaff,
      component,
      handler: async (_request, _response, { records = [], currentAdmin }) => ({
        records: records.map((record) => record.toJSON(currentAdmin)),
      }),
    },
  }
}
