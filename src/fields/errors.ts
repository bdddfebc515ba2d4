import { DatabaseError, ForeignKeyConstraintError, UniqueConstraintError, ValidationError } from 'sequelize'
import { columnName, fieldsOf, type ResourceDefinition } from './model.js'

export type FieldErrors = Record<string, { message: string; kind: string }>

/** Which field a database constraint or index protects, by our naming: `<table>_<column>_<rule>`. */
export function fieldForConstraint(definition: ResourceDefinition, constraint: string | undefined): string | undefined {
  if (!constraint) return undefined
  const prefix = `${definition.table}_`
  if (!constraint.startsWith(prefix)) return undefined
  const rest = constraint.slice(prefix.length)
  const matches = fieldsOf(definition)
    .map(([name]) => name)
    .filter((name) => rest === columnName(name) || rest.startsWith(`${columnName(name)}_`))
  // The longest column name wins (`send_stats` must not claim `send_stats_daily_...`).
  return matches.sort((a, b) => columnName(b).length - columnName(a).length)[0]
}

/**
 * Turns what Sequelize or PostgreSQL refused into per-field messages, or undefined when the error
 * is not about the user's input (then it is a real failure and stays one).
 */
export function fieldErrorsFrom(error: unknown, definition: ResourceDefinition): FieldErrors | undefined {
  const labelOf = new Map(fieldsOf(definition).map(([name, def]) => [name, def.label]))
  if (error instanceof UniqueConstraintError) {
    const original = (error as any).original ?? (error as any).parent
    const field = fieldForConstraint(definition, original?.constraint) ?? error.errors[0]?.path ?? undefined
    if (field && labelOf.has(field)) {
      // Unique together with another field (a sender name per client): taken there, not everywhere.
      const unique = fieldsOf(definition).find(([name]) => name === field)?.[1].unique
      const scope = typeof unique === 'object' ? ` for this ${labelOf.get(unique.with)}` : ''
      return { [field]: { message: `This ${labelOf.get(field)} is already taken${scope}`, kind: 'not_unique' } }
    }
    return undefined
  }
  if (error instanceof ValidationError) {
    const errors: FieldErrors = {}
    for (const item of error.errors) {
      const path = item.path ?? ''
      if (!errors[path]) {
        errors[path] = { message: item.message, kind: item.validatorKey ?? item.type ?? 'invalid' }
      }
    }
    return errors
  }
  if (error instanceof ForeignKeyConstraintError) {
    const original = (error as any).original ?? (error as any).parent
    const field = fieldForConstraint(definition, original?.constraint ?? (error as any).index)
    if (field) return { [field]: { message: `The chosen ${labelOf.get(field)} does not exist`, kind: 'foreign_key' } }
    return undefined
  }
  if (error instanceof DatabaseError) {
    const original = (error as any).original ?? (error as any).parent
    const field = fieldForConstraint(definition, original?.constraint)
    if (field && original?.code === '23514') {
      // Our triggers raise readable messages; plain CHECK constraints get a generic one.
      const message = /violates check constraint/.test(original.message)
        ? `This ${labelOf.get(field)} is not allowed`
        : String(original.message)
      return { [field]: { message, kind: 'check' } }
    }
    if (field && original?.code === '23502') {
      return { [field]: { message: `${labelOf.get(field)} is required`, kind: 'notNull' } }
    }
    return undefined
  }
  return undefined
}
