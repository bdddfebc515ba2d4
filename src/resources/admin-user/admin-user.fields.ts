import type { ResourceDefinition } from '../../fields/model.js'
import { timezoneOptions } from '../../fields/kinds.js'
import { passwordField } from '../../fields/presets.js'

/** People who log into the panel. Listed in the Client's Manager select by name. */
export const adminUserDefinition: ResourceDefinition = {
  name: 'AdminUser',
  table: 'admin_users',
  passwordHash: { from: 'password', attribute: 'passwordHash' },
  history: true,
  sections: [
    {
      title: '',
      fields: {
        email: {
          label: 'E-mail',
          kind: 'email',
          required: true,
          unique: 'caseInsensitive',
          help: 'Used to log in.',
          list: true,
          filter: true,
          search: true,
        },
        name: { label: 'Name', kind: 'string', required: true, maxLength: 128, list: true, filter: true, search: true },
        role: {
          label: 'Role',
          kind: 'enum',
          required: true,
          default: 'manager',
          options: [
            { value: 'admin', label: 'Administrator' },
            { value: 'manager', label: 'Manager' },
          ],
          list: true,
          filter: true,
        },
        active: {
          label: 'Active',
          kind: 'boolean',
          default: true,
          help: 'Inactive users cannot log in.',
          list: true,
          filter: true,
        },
        password: passwordField,
        // Each user's own choice (My account); empty shows times in the browser's zone.
        timeZone: {
          label: 'Time zone',
          kind: 'timezone',
          options: timezoneOptions,
          readOnly: true,
          help: 'Dates and times in the panel are shown in this zone. Each user picks it on My account; empty means the browser’s own zone.',
        },
      },
    },
  ],
}
