import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ComponentLoader } from 'adminjs'
import type { ComponentIds } from './panel-fields.js'

// Components are bundled from their sources, which stay in src/ for both `tsx` and the built dist/.
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir)
  return dir
}
const componentsDir = path.join(projectRoot(), 'src', 'admin', 'components')

export function loadComponents() {
  const componentLoader = new ComponentLoader()
  const add = (name: string) => componentLoader.add(name, path.join(componentsDir, `${name}.jsx`))
  const ids: ComponentIds & { newWithDefaults: string; clientHistory: string } = {
    readOnlyOnceSet: add('ReadOnlyOnceSet'),
    activeReference: add('ActiveReference'),
    plainText: add('PlainText'),
    requiredOnCreate: add('RequiredOnCreate'),
    newWithDefaults: add('NewWithDefaults'),
    clientHistory: add('ClientHistory'),
  }
  return { componentLoader, ids }
}
