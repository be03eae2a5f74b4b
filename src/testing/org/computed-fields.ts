import type { SObjectRecord } from '../../salesforce/salesforce-types.js'
import type { SObjectDefinition } from './object-definition.js'

/**
 * A formula of the emulator (`FieldDefinition.formula`): the field's value, from the record as it
 * stands once a create or update is applied (every field, by API name). Salesforce evaluates a
 * formula when it is read; the emulator evaluates it when the record is written, which is what a
 * sync engine can see of a formula over the record's own fields.
 *
 * @example
 * ```ts
 * org.addField('Account', {
 *   name: 'Name_Upper__c', type: 'string', length: 1300,
 *   formula: (record) => String(record.Name ?? '').toUpperCase(),
 * })
 * ```
 */
export type FormulaFunction = (record: Readonly<SObjectRecord>) => unknown

/**
 * The values an `InMemoryOrg` computes when it writes a record: formula fields (`formula`), and
 * auto-numbers (`autoNumber: true`, such as `CaseNumber` on Case), numbered per field from 1 as
 * eight digits (`00000001`) when the record is created. Both are read-only in the describe
 * (`calculated: true` for formulas). See docs/guides/testing-your-app.md. @internal
 */
export class ComputedFields {
  private readonly definition: (objectName: string) => SObjectDefinition | undefined
  private readonly counters = new Map<string, number>()

  constructor(definition: (objectName: string) => SObjectDefinition | undefined) {
    this.definition = definition
  }

  /** Sets the computed fields of `record` (of `objectName`), just created or updated. */
  apply(objectName: string, record: SObjectRecord, operation: 'create' | 'update'): void {
    const fields = this.definition(objectName)?.fields ?? []
    if (operation === 'create') {
      for (const field of fields) {
        if (!field.autoNumber || (record[field.name] ?? null) !== null) continue
        const key = `${objectName.toLowerCase()}.${field.name.toLowerCase()}`
        const next = (this.counters.get(key) ?? 0) + 1
        this.counters.set(key, next)
        record[field.name] = String(next).padStart(8, '0')
      }
    }
    // Formulas last, so they see the auto-numbers and each other's inputs as written.
    for (const field of fields) {
      if (field.formula) record[field.name] = field.formula(record) ?? null
    }
  }
}
