import type { LayoutElement, PropertyOptions } from 'adminjs'
import type { ResourceEntry } from '../resources/registry.js'

/**
 * The `related` lists a registry entry declares (a client's sender names), as show-page properties
 * that are not columns and the layout that places them: each lists the first records of the other
 * resource that point here, links to its list filtered the same way, and offers "New" with this
 * record already chosen (components/RelatedList.jsx).
 */
export function relatedLists(entry: ResourceEntry, component: string) {
  const properties: Record<string, PropertyOptions> = {}
  const layout: LayoutElement[] = []
  for (const related of entry.related ?? []) {
    const name = `related${related.resource}`
    properties[name] = {
      isVisible: { list: false, filter: false, show: true, edit: false },
      isSortable: false,
      components: { show: component },
      custom: { resource: related.resource, through: related.through, label: related.label },
      position: 1900,
    }
    layout.push(['@H4', { children: related.label, mt: 'xl', mb: 'lg' }], name)
  }
  return { properties, layout }
}
