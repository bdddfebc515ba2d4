import type { ResourceWithOptions } from 'adminjs'
import { isAdmin } from '../../access/index.js'
import { blankInputsToNull, compactListResponse } from '../../admin/action-hooks.js'
import { AppResource } from '../../admin/app-resource.js'
import type { loadComponents } from '../../admin/components.js'
import { panelFields } from '../../admin/panel-fields.js'
import type { Models } from '../../models/index.js'
import { productDefinition } from './product.fields.js'

export function productResource(models: Models, components: ReturnType<typeof loadComponents>['ids']): ResourceWithOptions {
  const { resourceOptions, formLayout, showLayout, defaults } = panelFields(productDefinition, components)
  const adminsOnly = { isAccessible: isAdmin, isVisible: isAdmin }
  return {
    resource: new AppResource(models.Product, productDefinition),
    options: {
      id: 'Product',
      navigation: { name: 'Administration', icon: 'Shield' },
      titleProperty: 'name',
      sort: { sortBy: 'name', direction: 'asc' },
      ...resourceOptions,
      actions: {
        list: { ...adminsOnly, after: compactListResponse },
        search: { isAccessible: isAdmin },
        show: { ...adminsOnly, layout: showLayout },
        new: {
          ...adminsOnly,
          layout: formLayout,
          component: components.newWithDefaults,
          custom: { defaults },
          before: [blankInputsToNull],
        },
        edit: { ...adminsOnly, layout: formLayout, before: [blankInputsToNull] },
        delete: adminsOnly,
        bulkDelete: adminsOnly,
      },
    },
  }
}
