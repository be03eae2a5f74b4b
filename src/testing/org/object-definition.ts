import type {
  ChildRelationship,
  FieldDescribe,
  FieldType,
  PicklistValue,
  SObjectDescribe,
} from '../../salesforce/salesforce-types.js'
import type { FormulaFunction } from './computed-fields.js'

/** A field of an {@link SObjectDefinition}: a partial describe; the rest gets Salesforce's defaults. */
export type FieldDefinition = Partial<Omit<FieldDescribe, 'picklistValues'>> & {
  readonly name: string
  readonly type: FieldType
  /** Picklist values as plain strings or full describe entries. */
  readonly picklistValues?: readonly (string | PicklistValue)[]
  /** For reference fields: the name of the child relationship on the parent (`Contacts`). */
  readonly childRelationshipName?: string
  /** Required on create (Salesforce: not nillable and not defaulted). */
  readonly required?: boolean
  /**
   * A formula field: its value is computed from the record each time the record is created or
   * updated (see {@link FormulaFunction}); the describe says `calculated: true`, read-only.
   */
  readonly formula?: FormulaFunction
}

/** An object of an `InMemoryOrg`. System fields are added automatically. */
export interface SObjectDefinition {
  readonly name: string
  /** Three-character id prefix, e.g. `001` for Account. */
  readonly keyPrefix: string
  readonly label?: string
  readonly labelPlural?: string
  readonly custom?: boolean
  readonly fields: readonly FieldDefinition[]
}

const LENGTHS: Partial<Record<FieldType, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  textarea: 255,
  picklist: 255,
  multipicklist: 4099,
  combobox: 255,
  email: 80,
  phone: 40,
  url: 255,
  encryptedstring: 175,
}

const SOAP_TYPES: Partial<Record<FieldType, string>> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  time: 'xsd:time',
  base64: 'xsd:base64Binary',
  address: 'urn:address',
  location: 'urn:location',
  anyType: 'xsd:anyType',
}

/** Fields every object has, set by the server. */
export const SYSTEM_FIELD_DEFINITIONS: readonly FieldDefinition[] = [
  {
    name: 'Id',
    type: 'id',
    label: 'Record ID',
    createable: false,
    updateable: false,
    nillable: false,
    idLookup: true,
  },
  {
    name: 'IsDeleted',
    type: 'boolean',
    label: 'Deleted',
    createable: false,
    updateable: false,
    nillable: false,
  },
  {
    name: 'CreatedDate',
    type: 'datetime',
    label: 'Created Date',
    createable: false,
    updateable: false,
    nillable: false,
  },
  {
    name: 'CreatedById',
    type: 'reference',
    label: 'Created By ID',
    referenceTo: ['User'],
    relationshipName: 'CreatedBy',
    createable: false,
    updateable: false,
    nillable: false,
  },
  {
    name: 'LastModifiedDate',
    type: 'datetime',
    label: 'Last Modified Date',
    createable: false,
    updateable: false,
    nillable: false,
  },
  {
    name: 'LastModifiedById',
    type: 'reference',
    label: 'Last Modified By ID',
    referenceTo: ['User'],
    relationshipName: 'LastModifiedBy',
    createable: false,
    updateable: false,
    nillable: false,
  },
  {
    name: 'SystemModstamp',
    type: 'datetime',
    label: 'System Modstamp',
    createable: false,
    updateable: false,
    nillable: false,
  },
]

const SYSTEM_NAMES = new Set(SYSTEM_FIELD_DEFINITIONS.map((f) => f.name))

/** A field describe from a definition, with every key real orgs send. */
export function fieldDescribe(definition: FieldDefinition): FieldDescribe {
  const system = SYSTEM_NAMES.has(definition.name)
  const calculated = definition.calculated ?? definition.formula !== undefined
  const writable = !system && !calculated && !(definition.autoNumber ?? false)
  const length =
    definition.length ?? (definition.type === 'textarea' ? 255 : (LENGTHS[definition.type] ?? 0))
  const required = definition.required ?? false
  return {
    label: definition.label ?? definition.name.replace(/__c$/, '').replace(/_/g, ' '),
    soapType: SOAP_TYPES[definition.type] ?? 'xsd:string',
    length,
    byteLength: length * 3,
    precision:
      definition.precision ??
      (['double', 'currency', 'percent'].includes(definition.type) ? 18 : 0),
    scale: definition.scale ?? (['currency', 'percent'].includes(definition.type) ? 2 : 0),
    digits: definition.digits ?? (definition.type === 'int' ? 9 : 0),
    createable: definition.createable ?? writable,
    updateable: definition.updateable ?? writable,
    nillable: definition.nillable ?? (!required && definition.type !== 'boolean' && !system),
    defaultedOnCreate:
      definition.defaultedOnCreate ??
      (system || definition.type === 'boolean' || definition.name === 'OwnerId'),
    defaultValue: definition.defaultValue ?? (definition.type === 'boolean' ? false : null),
    calculated,
    calculatedFormula: definition.calculatedFormula ?? null,
    custom: definition.custom ?? definition.name.endsWith('__c'),
    externalId: definition.externalId ?? false,
    idLookup: definition.idLookup ?? definition.externalId ?? false,
    unique: definition.unique ?? false,
    caseSensitive: definition.caseSensitive ?? false,
    filterable: definition.filterable ?? true,
    sortable: definition.sortable ?? !['textarea', 'multipicklist'].includes(definition.type),
    groupable:
      definition.groupable ??
      !['textarea', 'double', 'currency', 'percent', 'datetime'].includes(definition.type),
    nameField: definition.nameField ?? definition.name === 'Name',
    autoNumber: definition.autoNumber ?? false,
    compoundFieldName: definition.compoundFieldName ?? null,
    referenceTo: definition.referenceTo ?? [],
    relationshipName: definition.relationshipName ?? null,
    relationshipOrder: definition.relationshipOrder ?? null,
    cascadeDelete: definition.cascadeDelete ?? false,
    restrictedPicklist: definition.restrictedPicklist ?? false,
    htmlFormatted: definition.htmlFormatted ?? false,
    deprecatedAndHidden: definition.deprecatedAndHidden ?? false,
    name: definition.name,
    type: definition.type,
    picklistValues: (definition.picklistValues ?? []).map((value) =>
      typeof value === 'string'
        ? { value, label: value, active: true, defaultValue: false, validFor: null }
        : value,
    ),
  }
}

/** The describe of a defined object (child relationships come from the other objects). */
export function objectDescribe(
  definition: SObjectDefinition,
  childRelationships: readonly ChildRelationship[],
  apiVersion: string,
): SObjectDescribe {
  const own = definition.fields.filter((f) => !SYSTEM_NAMES.has(f.name))
  const base = `/services/data/v${apiVersion}/sobjects/${definition.name}`
  return {
    name: definition.name,
    label: definition.label ?? definition.name.replace(/__c$/, '').replace(/_/g, ' '),
    labelPlural: definition.labelPlural ?? `${definition.label ?? definition.name}s`,
    keyPrefix: definition.keyPrefix,
    custom: definition.custom ?? definition.name.endsWith('__c'),
    createable: true,
    updateable: true,
    deletable: true,
    undeletable: true,
    queryable: true,
    retrieveable: true,
    replicateable: true,
    triggerable: true,
    searchable: true,
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
    fields: [...SYSTEM_FIELD_DEFINITIONS, ...own].map(fieldDescribe),
    childRelationships,
  }
}
