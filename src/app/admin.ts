import AdminJS, { type ResourceWithOptions } from 'adminjs'
import type { Models } from '../models/index.js'
import { registry, resourceFolder, type ResourceEntry } from '../resources/registry.js'
import { loadComponents, panelAssets } from '../panel/components.js'
import { dashboardData } from './dashboard.js'
import { memoizeFlattenProperties, memoizeLayoutsByRole } from '../panel/adminjs-internals/memoize-layouts.js'
import { panelFields } from '../panel/panel-fields.js'

/** What every `<folder>/<folder>.resource.ts` exports: the resource's AdminJS options. */
export type ResourceOptionsModule = {
  resourceOptions: (models: Models, components: ReturnType<typeof loadComponents>['ids'], entry: ResourceEntry) => ResourceWithOptions
}

/**
 * A registry entry's resource for AdminJS: its options file (found by the resource's name, so that
 * the registry stays the one list) and what the entry itself declares: id, menu, title and sort.
 */
async function resourceOf(entry: ResourceEntry, models: Models, components: ReturnType<typeof loadComponents>['ids']): Promise<ResourceWithOptions> {
  const folder = resourceFolder(entry.definition.name)
  const module = (await import(`../resources/${folder}/${folder}.resource.js`)) as ResourceOptionsModule
  const built = module.resourceOptions(models, components, entry)
  return {
    resource: built.resource,
    options: {
      ...built.options,
      id: entry.definition.name,
      navigation: { name: entry.navigation.group, icon: entry.navigation.icon },
      titleProperty: entry.titleField,
      sort: entry.sort,
    },
  }
}

export const PRODUCT_NAME = 'SMS Client Admin'

// A simple mark drawn inline, so the login page and the sidebar load nothing from elsewhere.
const logo =
  'data:image/svg+xml;utf8,' +
  encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" width="220" height="48" viewBox="0 0 220 48">
      <rect x="2" y="6" width="44" height="32" rx="8" fill="#3040D6"/>
      <path d="M14 38 l0 8 l10 -8z" fill="#3040D6"/>
      <text x="24" y="28" font-family="Arial, sans-serif" font-size="14" font-weight="700" fill="#fff" text-anchor="middle">SMS</text>
      <text x="56" y="30" font-family="Arial, sans-serif" font-size="17" font-weight="700" fill="#1C1C38">Client Admin</text>
    </svg>`,
  )

export async function buildAdmin(models: Models) {
  memoizeLayoutsByRole()
  memoizeFlattenProperties()
  const { componentLoader, ids } = loadComponents()
  const resources = await Promise.all(registry.map((entry) => resourceOf(entry, models, ids)))
  // Labels come from the registry; a list page is titled by what it lists ("Clients", with its count), not "List".
  const translationsOf = (entry: ResourceEntry) => {
    const { properties } = panelFields(entry.definition, ids).translations
    const exports: Record<string, string> = entry.exportable ? { exportCsv: 'Export CSV', exportSelectedCsv: 'Export CSV' } : {}
    const actionLabels: Record<string, string> = { ...exports, ...entry.actionLabels }
    // Pages name their record ("Client acme-01", components/record-title.js); a breadcrumb names
    // the step without the file format ("Import", not "Import CSV").
    const breadcrumbs = Object.entries(actionLabels).map(([name, label]) => [`breadcrumb_${name}`, label.replace(/ (CSV|XLSX)$/, '')])
    return {
      properties: { ...properties, ...entry.propertyLabels },
      actions: { list: entry.plural, ...actionLabels },
      labels: { recordName: entry.label, ...Object.fromEntries(breadcrumbs) },
    }
  }

  return new AdminJS({
    rootPath: '/admin',
    loginPath: '/admin/login',
    logoutPath: '/admin/logout',
    componentLoader,
    dashboard: {
      component: ids.dashboard,
      handler: async (_request, _response, context) => dashboardData(models.Client.sequelize!, context.currentAdmin),
    },
    // Every user's own page: two-factor login, password, sessions (components/AccountPage.jsx,
    // served by src/account/account-routes.ts).
    pages: { account: { component: ids.accountPage, icon: 'User' } },
    resources,
    assets: { scripts: panelAssets.scripts },
    branding: {
      // Greys dark enough for text on white and on the page background (WCAG AA, 4.5:1); AdminJS's
      // own (#898A9A) is 3.4:1 and is used for labels, breadcrumbs and hints.
      theme: { colors: { grey60: '#5F6070' } },
      companyName: PRODUCT_NAME,
      logo,
      withMadeWithLove: false,
      favicon: logo,
    },
    settings: { defaultPerPage: 10 },
    locale: {
      language: 'en',
      availableLanguages: ['en'],
      translations: {
        en: {
          labels: {
            ...Object.fromEntries(registry.map((entry) => [entry.definition.name, entry.plural])),
            navigation: 'Navigation',
            dashboard: 'Home',
            pages: 'Account',
          },
          pages: { account: 'My account' },
          components: {
            Login: {
              welcomeHeader: PRODUCT_NAME,
              welcomeMessage: 'The back office of the SMS platform: onboard clients and look after their accounts.',
              properties: { email: 'E-mail', password: 'Password' },
              loginButton: 'Log in',
            },
          },
          messages: {
            invalidCredentials: 'Wrong e-mail or password.',
            // AdminJS's own words for a record or action this user cannot reach ("Resource of given
            // id: …") say nothing a user can act on; the page adds a link back to the list.
            pageNotFound_title: 'Not found, or not yours',
            error404Record: 'There is no record {{recordId}} here, or it is not one of yours to see.',
            error404Action: 'This page does not exist, or it is not yours to use.',
            error404Resource: 'There is nothing called {{resourceId}} in this panel.',
            errorFetchingRecord: 'The record could not be loaded. Check your connection and reload the page.',
          },
          resources: Object.fromEntries(registry.map((entry) => [entry.definition.name, translationsOf(entry)])),
        },
      },
    },
  })
}
