import type { ResourceOptions } from 'adminjs'
import type { Sequelize } from 'sequelize'
import { isAdmin, isStaff } from '../../access/index.js'
import type { ResourceEntry } from '../../resources/registry.js'
import type { loadComponents } from '../components.js'
import type { panelFields } from '../panel-fields.js'
import { blankInputsToNull, landOnSavedRecord, withCompactAnswers } from './action-hooks.js'
import { bulkDeleteRecords } from './bulk-delete-action.js'
import { declaredRules } from './declared-rules.js'
import { exportActions } from './export-actions.js'
import { importAction } from './import-action.js'
import { listRecords, listView, searchRecords, WITHOUT_RESOURCE_ACTIONS } from './list-action.js'

/** Not a column: a recorded record's change history on its show page (components/ClientHistory.jsx). */
export const historyProperty = (component: string) => ({
  history: { isVisible: { list: false, filter: false, show: true, edit: false }, isSortable: false, components: { show: component }, position: 2000 },
})

/**
 * "Staff edit, admins delete" (the registry's `staffEditAdminsDelete`): administrators and managers
 * list, show, create and edit, a manager only within their row scope (the adapter applies it to
 * every read, so a record outside it is not found); only administrators delete. The entry's
 * declared write rules (ownership, value and reset rules) guard new and edit. Beside
 * adminOnlyActions, the other preset.
 */
export function staffEditAdminsDeleteActions(
  entry: ResourceEntry,
  panel: ReturnType<typeof panelFields>,
  components: ReturnType<typeof loadComponents>['ids'],
  sequelize: Sequelize,
): ResourceOptions['actions'] {
  const staff = { isAccessible: isStaff, isVisible: isStaff }
  const admins = { isAccessible: isAdmin, isVisible: isAdmin }
  const rules = declaredRules(entry, sequelize)
  return withCompactAnswers({
    list: { ...staff, handler: listRecords, ...listView(entry.definition, components.listPage) },
    search: { isAccessible: isStaff, handler: searchRecords },
    // A recorded resource's page ends with its change history (the history property, see below).
    show: { ...staff, ...WITHOUT_RESOURCE_ACTIONS, layout: entry.definition.history ? [...panel.showLayout, ['@H4', { children: 'Change history', mt: 'xl', mb: 'lg' }], 'history'] : panel.showLayout },
    new: {
      ...staff,
      ...WITHOUT_RESOURCE_ACTIONS,
      layout: panel.formLayout,
      component: components.newWithDefaults,
      // A "New" link from a parent's page names the parent (`?clientId=7`): the form starts with it.
      custom: { defaults: panel.defaults, prefill: (entry.definition.ownedThrough ? [entry.definition.ownedThrough] : []) },
      before: [blankInputsToNull, ...rules],
      after: landOnSavedRecord,
    },
    edit: { ...staff, ...WITHOUT_RESOURCE_ACTIONS, layout: panel.formLayout, before: [blankInputsToNull, ...rules], after: landOnSavedRecord },
    delete: admins,
    bulkDelete: { ...admins, handler: bulkDeleteRecords },
    ...(entry.exportable ? exportActions(components.exportCsv) : {}),
    ...(entry.importKey ? importAction(components.importCsv, entry) : {}),
  })
}
