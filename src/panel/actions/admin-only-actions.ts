import type { ResourceOptions } from 'adminjs'
import { isAdmin } from '../../access/index.js'
import { blankInputsToNull, landOnSavedRecord, withCompactAnswers } from './action-hooks.js'
import { bulkDeleteRecords } from './bulk-delete-action.js'
import { listRecords, listView, searchRecords, WITHOUT_RESOURCE_ACTIONS } from './list-action.js'
import type { ResourceDefinition } from '../../fields/model.js'
import type { loadComponents } from '../components.js'
import type { panelFields } from '../panel-fields.js'

/** The standard actions of a resource that only administrators may see and use. */
export function adminOnlyActions(
  panel: ReturnType<typeof panelFields>,
  components: ReturnType<typeof loadComponents>['ids'],
  definition: ResourceDefinition,
): ResourceOptions['actions'] {
  const adminsOnly = { isAccessible: isAdmin, isVisible: isAdmin }
  return withCompactAnswers({
    list: { ...adminsOnly, handler: listRecords, ...listView(definition, components.listPage) },
    search: { isAccessible: isAdmin, handler: searchRecords },
    show: { ...adminsOnly, ...WITHOUT_RESOURCE_ACTIONS, layout: panel.showLayout },
    new: {
      ...adminsOnly,
      ...WITHOUT_RESOURCE_ACTIONS,
      layout: panel.formLayout,
      component: components.newWithDefaults,
      custom: { defaults: panel.defaults },
      before: [blankInputsToNull],
      after: landOnSavedRecord,
    },
    edit: {
      ...adminsOnly,
      ...WITHOUT_RESOURCE_ACTIONS,
      layout: panel.formLayout,
      before: [blankInputsToNull],
      after: landOnSavedRecord,
    },
    delete: adminsOnly,
    bulkDelete: { ...adminsOnly, handler: bulkDeleteRecords },
  })
}
