import type { ResourceWithOptions } from 'adminjs'
import { rowsVisibleTo } from '../../access/index.js'
import { historyProperty, staffEditAdminsDeleteActions } from '../../panel/actions/presets.js'
import { AppResource } from '../../panel/adapter/app-resource.js'
import type { loadComponents } from '../../panel/components.js'
import { panelFields } from '../../panel/panel-fields.js'
import type { Models } from '../../models/index.js'
import type { ResourceEntry } from '../registry.js'

// Everything is declared: ownership through the client (definition), the approval and rename rules
// (registry entry), "staff edit, admins delete" (preset).
export function resourceOptions(models: Models, components: ReturnType<typeof loadComponents>['ids'], entry: ResourceEntry): ResourceWithOptions {
  const panel = panelFields(entry.definition, components)
  const model = models[entry.definition.name]
  return {
    resource: new AppResource(model, entry.definition, { rowScope: rowsVisibleTo(entry.definition.name) }),
    options: {
      ...panel.resourceOptions,
      properties: { ...panel.resourceOptions.properties, ...historyProperty(components.clientHistory) },
      actions: staffEditAdminsDeleteActions(entry, panel, components, model.sequelize!),
    },
  }
}
