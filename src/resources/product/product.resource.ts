import type { ResourceWithOptions } from 'adminjs'
import { adminOnlyActions } from '../../panel/actions/admin-only-actions.js'
import { AppResource } from '../../panel/adapter/app-resource.js'
import type { loadComponents } from '../../panel/components.js'
import { panelFields } from '../../panel/panel-fields.js'
import type { Models } from '../../models/index.js'
import type { ResourceEntry } from '../registry.js'

export function resourceOptions(models: Models, components: ReturnType<typeof loadComponents>['ids'], entry: ResourceEntry): ResourceWithOptions {
  const panel = panelFields(entry.definition, components)
  return {
    resource: new AppResource(models.Product, entry.definition),
    options: {
      ...panel.resourceOptions,
      actions: adminOnlyActions(panel, components, entry.definition),
    },
  }
}
