import type { FieldDef } from './kinds.js'

/** A login password: write-only, stored as a bcrypt hash by the model hooks. */
export const passwordField: FieldDef = {
  label: 'Password',
  kind: 'password',
  required: true,
  minLength: 10,
  maxLength: 72, // bcrypt ignores anything past 72 bytes
  help: 'At least 10 characters. When editing, leave blank to keep the current password.',
}
