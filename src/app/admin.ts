import AdminJS from 'adminjs'
import type { Models } from '../models/index.js'
import { adminUserResource } from '../resources/admin-user/admin-user.resource.js'
import { adminUserDefinition } from '../resources/admin-user/admin-user.fields.js'
import { changeHistoryDefinition } from '../resources/change-history/change-history.fields.js'
import { changeHistoryResource } from '../resources/change-history/change-history.resource.js'
import { clientResource } from '../resources/client/client.resource.js'
import { clientDefinition } from '../resources/client/client.fields.js'
import { productResource } from '../resources/product/product.resource.js'
import { productDefinition } from '../resources/product/product.fields.js'
import { loadComponents } from '../panel/components.js'
import { dashboardData } from './dashboard.js'
import { memoizeLayoutsByRole } from '../panel/adminjs-internals/memoize-layouts.js'
import { panelFields } from '../panel/panel-fields.js'
import type { ResourceDefinition } from '../fields/model.js'

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

export function buildAdmin(models: Models) {
  memoizeLayoutsByRole()
  const { componentLoader, ids } = loadComponents()
  const translations = (definition: ResourceDefinition) =>
    panelFields(definition, ids).translations

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
    resources: [
      clientResource(models, ids),
      changeHistoryResource(models, ids),
      productResource(models, ids),
      adminUserResource(models, ids),
    ],
    branding: {
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
          labels: { Client: 'Clients', AdminUser: 'Admin users', Product: 'Products', ChangeHistory: 'Change history', navigation: 'Navigation', dashboard: 'Home', pages: 'Account' },
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
          },
          // A list page is titled by what it lists ("Clients", with its count), not "List".
          resources: {
            Client: { ...translations(clientDefinition), actions: { list: 'Clients', exportCsv: 'Export CSV', importCsv: 'Import CSV', exportSelectedCsv: 'Export CSV', bulkEdit: 'Edit selected', bulkEditMatching: 'Edit all matching' } },
            AdminUser: { ...translations(adminUserDefinition), actions: { list: 'Admin users', resetTwoFactor: 'Reset two-factor' } },
            Product: { ...translations(productDefinition), actions: { list: 'Products' } },
            ChangeHistory: {
              properties: { ...translations(changeHistoryDefinition).properties, createdAt: 'When', summary: 'Changes' },
              actions: { list: 'Change history', revert: 'Revert this change' },
            },
          },
        },
      },
    },
  })
}
