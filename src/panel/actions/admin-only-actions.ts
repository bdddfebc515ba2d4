import type { ResourceOptions } from 'adminjs'
import { isAdmin } from '../../access/index.js'
import { blankInputsToNull, landOnSavedRecord, withCompactAnswers } from './action-hooks.js'
import { bulkDeleteRecords } from './bulk-delete-action.js'
import { listRecords, searchRecords } from './list-action.js'
import type { loadComponents } from '../components.js'
import type { panelFields } from '../panel-fields.js'

/** The standard actions of a resource that only administrators may see and use. */
export function adminOnlyActions(
  panel: ReturnType<typeof panelFields>,
  components: ReturnType<typeof loadComponents>['ids'],
): ResourceOptions['actions'] {
  const adminsOnly = { isAccessible: isAdmin, isVisible: isAdmin }
  return withCompactAnswers({
    list: { ...adminsOnly, handler: listRecords },
    search: { isAccessible: isAdmin, handler: searchRecords },
    show: { ...adminsOnly, layout: panel.showLayout },
    new: {
      ...adminsOnly,
      layout: panel.formLayout,
      component: components.newWithDefaults,
      custom: { defaults: panel.defaults },
      before: [blankInputsToNull],
      after: landOnSavedRecord,
    },
    edit: {
      ...adminsOnly,
      layout: panel.formLayout,
      before: [blankInputsToNull],
      after: landOnSavedRecord,
    },
    delete: adminsOnly,
    bulkDelete: { ...adminsOnly, handler: bulkDeleteRecords },
  })
}
