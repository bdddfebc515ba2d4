import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
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
const componentsDir = path.join(projectRoot(), 'src', 'panel', 'components')

/** Plain scripts every panel page loads (AdminJS `assets.scripts`), served from our own origin. */
export const panelAssets = { dir: path.join(projectRoot(), 'src', 'panel', 'assets'), path: '/assets/panel', scripts: ['/assets/panel/panel-a11y.js'] }

export function loadComponents() {
  const componentLoader = new ComponentLoader()
  const add = (name: string) => componentLoader.add(name, path.join(componentsDir, `${name}.jsx`))
  const ids: ComponentIds & { newWithDefaults: string; recordForm: string; clientHistory: string; revertChange: string; exportCsv: string; importCsv: string; operationLink: string; bulkEdit: string; dashboard: string; accountPage: string; resetTwoFactor: string; relatedList: string; listPage: string; recordLink: string } = {
    readOnlyOnceSet: add('ReadOnlyOnceSet'),
    activeReference: add('ActiveReference'),
    plainText: add('PlainText'),
    requiredOnCreate: add('RequiredOnCreate'),
    enumValue: add('EnumValue'),
    newWithDefaults: add('NewWithDefaults'),
    recordForm: add('RecordForm'),
    clientHistory: add('ClientHistory'),
    revertChange: add('RevertChange'),
    exportCsv: add('ExportCsv'),
    importCsv: add('ImportCsv'),
    operationLink: add('OperationLink'),
    bulkEdit: add('BulkEdit'),
    dashboard: add('Dashboard'),
    accountPage: add('AccountPage'),
    resetTwoFactor: add('ResetTwoFactor'),
    relatedList: add('RelatedList'),
    listPage: add('ListPage'),
    recordLink: add('RecordLink'),
  }
  componentLoader.override('LoggedIn', path.join(componentsDir, 'LoggedIn.jsx'))
  componentLoader.override('Login', path.join(componentsDir, 'Login.jsx'))
  componentLoader.override('RecordActionRoute', path.join(componentsDir, 'RecordActionRoute.jsx'))
  componentLoader.override('DefaultShowAction', path.join(componentsDir, 'ShowAction.jsx'))
  componentLoader.override('ActionHeader', path.join(componentsDir, 'ActionHeader.jsx'))
  componentLoader.override('Breadcrumbs', path.join(componentsDir, 'Breadcrumbs.jsx'))
  // Every timestamp a list or show page draws: one format, the reader's zone (date-time.js).
  componentLoader.override('DefaultDatetimeListProperty', path.join(componentsDir, 'DateTimeProperty.jsx'))
  componentLoader.override('DefaultDatetimeShowProperty', path.join(componentsDir, 'DateTimeProperty.jsx'))
  componentLoader.override('NoticeBox', path.join(componentsDir, 'NoticeBox.jsx'))
  // The home page replaces AdminJS's dashboard route outright: its stock welcome page is never
  // drawn, not even for the first render before a custom dashboard component takes over.
  componentLoader.override('DashboardRoute', path.join(componentsDir, 'Dashboard.jsx'))
  return { componentLoader, ids }
}

/**
 * Outside production AdminJS serves `.adminjs/bundle.js` as it finds it, so a bundle left by an
 * earlier `npm run build` would hide components added since ("has not been bundled"). A bundle
 * older than any component source is removed; the next page load bundles afresh.
 */
export function discardStaleComponentBundle(bundleFile = path.resolve('.adminjs', 'bundle.js')) {
  if (!existsSync(bundleFile)) return
  const newestSource = Math.max(...readdirSync(componentsDir).map((name) => statSync(path.join(componentsDir, name)).mtimeMs))
  if (statSync(bundleFile).mtimeMs < newestSource) rmSync(bundleFile, { force: true })
}
