import { countryOptions, currencyOptions, timezoneOptions } from '../../fields/kinds.js'
import { withVersioning, type ResourceDefinition } from '../../fields/model.js'
import { passwordField } from '../../fields/presets.js'

/**
 * The Client record, section by section as in the help article "How to create a new client?".
 * This table drives the model, its validation, the database columns, the form, list, filters and
 * show page. Adding a field is one entry here plus its migration (see README, "Adding a field").
 */
export const clientDefinition: ResourceDefinition = withVersioning({
  name: 'Client',
  table: 'clients',
  passwordHash: { from: 'password', attribute: 'passwordHash' },
  // Counted by the database (migration 0008) on every change; the edit form posts it back, and
  // a save based on an older version is refused instead of overwriting what changed since.
  versioned: true,
  history: true,
  ownedBy: 'managerId',
  sections: [
    {
      title: 'Core client settings',
      fields: {
        login: {
          label: 'Login',
          kind: 'string',
          required: true,
          minLength: 3,
          maxLength: 64,
          pattern: { regex: /^[A-Za-z0-9._-]+$/, message: 'Only letters, digits, dots, underscores and hyphens' },
          unique: 'caseInsensitive',
          help: 'Username used for platform access.',
          list: 1,
          filter: true,
          search: true,
        },
        password: { ...passwordField, row: 'password' },
        passwordConfirmation: {
          label: 'Retype password',
          kind: 'password',
          required: true,
          confirms: 'password',
          row: 'password',
        },
        managerId: {
          label: 'Manager',
          kind: 'reference',
          required: true,
          references: { resource: 'AdminUser', table: 'admin_users', onDelete: 'RESTRICT', mustBeActive: true },
          help: 'The account manager responsible for this client.',
          list: 3,
          filter: true,
          bulkEdit: true,
        },
        notificationLimit: {
          label: 'Notification limit',
          kind: 'integer',
          min: 0,
          help: 'Message usage threshold that triggers notifications.',
          bulkEdit: true,
        },
        moderation: {
          label: 'Moderation',
          kind: 'enum',
          required: true,
          default: 'manual',
          options: [
            { value: 'manual', label: 'Manual' },
            { value: 'automatic', label: 'Automatic' },
          ],
          row: 'moderation',
          filter: true,
          bulkEdit: true,
        },
        timezone: {
          label: 'Local time',
          kind: 'timezone',
          required: true,
          default: 'UTC',
          options: timezoneOptions,
          row: 'moderation',
          bulkEdit: true,
        },
        dispatchFrom: {
          label: 'Time of dispatch (from)',
          kind: 'time',
          pairedWith: 'dispatchTo',
          help: 'HH:MM in the client’s local time. A window over midnight (22:00 to 06:00) is allowed.',
          row: 'dispatch',
          bulkEdit: true,
        },
        dispatchTo: {
          label: 'Time of dispatch (to)',
          kind: 'time',
          row: 'dispatch',
          bulkEdit: true,
        },
        currency: {
          label: 'Currency',
          kind: 'currency',
          options: currencyOptions,
          readOnlyOnceSet: true,
          help: 'Used for this client’s transactions. Read-only once set.',
          list: 4,
          filter: true,
          bulkEdit: true,
        },
      },
    },
    {
      title: 'Financial settings',
      fields: {
        allowCredit: { label: 'Allow credit', kind: 'decimal', min: 0, default: '0.00', row: 'credit' },
        allowOverdraw: {
          label: 'Allow overdraw (temporary credit)',
          kind: 'decimal',
          min: 0,
          default: '0.00',
          row: 'credit',
        },
        smsPriority: {
          label: 'SMS priority',
          kind: 'integer',
          min: 0,
          max: 3,
          default: 0,
          help: 'SMPP priority_flag: 0 lowest, 3 highest.',
          bulkEdit: true,
        },
        disableBlacklist: { label: 'Disable Black List', kind: 'boolean', default: false, row: 'financialFlags', bulkEdit: true },
        dynamicSender: { label: 'Dynamic Sender', kind: 'boolean', default: false, row: 'financialFlags', bulkEdit: true },
        moViaSmpp: { label: 'Send MO SMS via SMPP', kind: 'boolean', default: false, row: 'financialFlags', bulkEdit: true },
        dailyStatsMailing: {
          label: 'Daily mailing of general statistics',
          kind: 'boolean',
          default: false,
          row: 'financialFlags',
          bulkEdit: true,
        },
      },
    },
    {
      title: 'Company and contact details',
      fields: {
        contactName: { label: 'First and Last Name', kind: 'string', maxLength: 128, row: 'contact' },
        contractNumber: { label: 'Number of contract', kind: 'string', maxLength: 64, row: 'contact' },
        company: { label: 'Company', kind: 'string', maxLength: 255, list: 2, filter: true, search: true },
        companyCredentials: {
          label: 'Company Credential',
          kind: 'text',
          maxLength: 4000,
          help: 'Legal or identification details.',
        },
        phone: {
          label: 'Phone',
          kind: 'phone',
          help: 'International format, e.g. +49 151 12345678.',
          row: 'phone',
        },
        country: { label: 'Country', kind: 'country', options: countryOptions, row: 'phone' },
        telegram: {
          label: 'Telegram',
          kind: 'string',
          minLength: 5,
          maxLength: 32,
          pattern: { regex: /^[A-Za-z0-9_]+$/, message: 'A Telegram username: letters, digits and underscores' },
          stripPrefix: '@',
          row: 'messengers',
        },
        skype: { label: 'Skype', kind: 'string', maxLength: 64, row: 'messengers' },
      },
    },
    {
      title: 'Sending permissions',
      fields: {
        dlrWaitDays: { label: 'Days of waiting DLR', kind: 'integer', min: 1, max: 30, default: 3, row: 'sending', bulkEdit: true },
        throughput: { label: 'Throughput (SMS per second)', kind: 'integer', min: 1, max: 1000, default: 50, row: 'sending', bulkEdit: true },
        deliveryStatus: {
          label: 'Delivery Status',
          kind: 'enum',
          required: true,
          default: 'active',
          options: [
            { value: 'active', label: 'Active', tone: 'good' },
            { value: 'expired', label: 'Expired', tone: 'bad' },
          ],
          row: 'sending',
          list: 5,
          filter: true,
          bulkEdit: true,
        },
        canSendSmpp: { label: 'Can Send via SMPP', kind: 'boolean', default: false, row: 'permissions', bulkEdit: true },
        canSendApi: { label: 'Can Send via API', kind: 'boolean', default: false, row: 'permissions', bulkEdit: true },
        canSendWeb: { label: 'Can Send from Web', kind: 'boolean', default: true, row: 'permissions', bulkEdit: true },
        canSendRestApi: { label: 'Can Send via RESTAPI', kind: 'boolean', default: false, row: 'permissions', bulkEdit: true },
        canAddSubaccount: { label: 'Can Add Subaccount', kind: 'boolean', default: false, row: 'permissions', bulkEdit: true },
      },
    },
    {
      title: 'Email and notification settings',
      fields: {
        email: { label: 'E-mail', kind: 'email', required: true, row: 'email', filter: true, search: true },
        priceUpdateEmail: { label: 'E-mail for price update', kind: 'email', row: 'email' },
        billingEmail: { label: 'E-mail for billing', kind: 'email', row: 'billingEmail' },
        priceUpdateFormat: {
          label: 'Price update format',
          kind: 'enum',
          default: 'xlsx',
          options: [
            { value: 'xlsx', label: 'XLSX' },
            { value: 'csv', label: 'CSV' },
          ],
          row: 'billingEmail',
        },
      },
    },
    {
      title: 'DLR webhook URLs',
      fields: {
        apiDlrUrl: { label: 'URL for send SMS State via API', kind: 'url', row: 'apiUrls' },
        apiMoUrl: { label: 'URL for send Incoming SMS via API', kind: 'url', row: 'apiUrls' },
        restDlrUrl: { label: 'URL for send SMS State via RestAPI', kind: 'url', row: 'restUrls' },
        restMoUrl: { label: 'URL for send Incoming SMS via RestAPI', kind: 'url', row: 'restUrls' },
      },
    },
    {
      title: 'Billing preferences',
      fields: {
        clientType: {
          label: 'Enterprise',
          kind: 'enum',
          required: true,
          default: 'company',
          options: [
            { value: 'company', label: 'Company' },
            { value: 'individual', label: 'Individual' },
          ],
          row: 'billing',
          filter: true,
        },
        invoiceDates: {
          label: 'Dates for invoices (separated by commas)',
          kind: 'dayList',
          help: 'Days of the month, e.g. 1, 15.',
          row: 'billing',
        },
        sendStats: { label: 'Send stats', kind: 'boolean', default: false, row: 'billingFlags', bulkEdit: true },
        sendInvoices: { label: 'Send invoices', kind: 'boolean', default: false, row: 'billingFlags', bulkEdit: true },
        sendToEmail: { label: 'Send to email', kind: 'boolean', default: false, row: 'billingFlags', bulkEdit: true },
      },
    },
    {
      title: 'Another',
      fields: {
        comments: {
          label: 'Comments',
          kind: 'text',
          maxLength: 10000,
          help: 'Internal notes, comments or special conditions.',
        },
        productId: {
          label: 'Product',
          kind: 'reference',
          references: { resource: 'Product', table: 'products', onDelete: 'RESTRICT', mustBeActive: true },
          help: 'The assigned product or service plan. Only active products can be chosen.',
          bulkEdit: true,
        },
      },
    },
  ],
})
