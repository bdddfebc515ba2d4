import type { ResourceWithOptions } from 'adminjs'
import { adminOnlyActions } from '../../panel/actions/admin-only-actions.js'
import { AppResource } from '../../panel/adapter/app-resource.js'
import type { loadComponents } from '../../panel/components.js'
import { panelFields } from '../../panel/panel-fields.js'
import type { Models } from '../../models/index.js'
import { productDefinition } from './product.fields.js'

export function productResource(models: Models, components: ReturnType<typeof loadComponents>['ids']): ResourceWithOptions {
  const panel = panelFields(productDefinition, components)
  return {
    resource: new AppResource(models.Product, productDefinition),
    options: {
      id: 'Product',
      navigation: { name: 'Administration', icon: 'Shield' },
      titleProperty: 'name',
      sort: { sortBy: 'name', direction: 'asc' },
      ...panel.resourceOptions,
      actions: adminOnlyActions(panel, components),
    },
  }
}
