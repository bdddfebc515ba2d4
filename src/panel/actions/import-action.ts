import type { Action, ActionResponse } from 'adminjs'
import { isStaff } from '../../access/index.js'
import { fieldMap } from '../../fields/model.js'
import type { ResourceEntry } from '../../resources/registry.js'

/**
 * "Import CSV" on a list: upload, dry run and apply (components/ImportCsv.jsx), served by
 * POST /admin/imports/<Resource> (src/imports/import-route.ts), which checks every rule and the
 * user's row scope itself. Offered by a registry entry with an `importKey`.
 */
export function importAction(component: string, entry: ResourceEntry): Record<'importCsv', Partial<Action<ActionResponse>>> {
  const fields = fieldMap(entry.definition)
  const keyFields = entry.importKey ?? []
  // What the page says of the match: "Rows are matched to existing sender names by Client and Sender name".
  const custom = { keyFields, keyLabel: keyFields.map((name) => fields.get(name)?.label ?? name).join(' / '), record: entry.label.toLowerCase(), records: entry.plural.toLowerCase() }
  return {
    importCsv: {
      actionType: 'resource',
      icon: 'Upload',
      isAccessible: isStaff,
      isVisible: isStaff,
      component,
      custom,
      handler: async () => ({}),
    },
  }
}
