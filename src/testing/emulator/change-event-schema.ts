import { createHash, randomUUID } from 'node:crypto'
import type { Type } from 'avsc'
import type { AvroKit } from '../../salesforce/pubsub/avro-types.js'
import type { FieldDescribe, SObjectDescribe } from '../../salesforce/salesforce-types.js'

/** A change event schema of one object, as the emulator's Pub/Sub endpoint serves it. @internal */
export interface ChangeEventSchema {
  /** Fingerprint: what events carry as `schema_id` and `GetSchema` answers. */
  readonly id: string
  readonly json: string
  readonly type: Type
  /** Top-level Avro fields in order (0 is `ChangeEventHeader`): Salesforce field name → position. */
  readonly positions: ReadonlyMap<string, number>
  /** Fields nested in compound fields: Salesforce field name → [compound position, nested position]. */
  readonly nested: ReadonlyMap<string, readonly [number, number]>
  /** Top-level compound fields: name → its nested Salesforce field names, in order. */
  readonly compounds: ReadonlyMap<string, readonly string[]>
  readonly fieldTypes: ReadonlyMap<string, FieldDescribe['type']>
}

const ADDRESS_PARTS = [
  'Street',
  'City',
  'State',
  'PostalCode',
  'Country',
  'StateCode',
  'CountryCode',
  'Latitude',
  'Longitude',
  'GeocodeAccuracy',
]
const ADDRESS_PREFIXES = ['Billing', 'Shipping', 'Mailing', 'Other']
const NAME_PARTS = ['Salutation', 'FirstName', 'LastName', 'MiddleName', 'Suffix']
/** Fields a change event's body does not carry (the header names the record). */
const NOT_IN_BODY = new Set(['Id', 'IsDeleted', 'SystemModstamp'])

const CHANGE_TYPES = [
  'CREATE',
  'UPDATE',
  'DELETE',
  'UNDELETE',
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
  'SNAPSHOT',
]

const HEADER = {
  type: 'record',
  name: 'ChangeEventHeader',
  namespace: 'com.sforce.eventbus',
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: { type: 'array', items: 'string' } },
    {
      name: 'changeType',
      type: {
        type: 'enum',
        name: 'ChangeType',
        namespace: 'com.sforce.eventbus',
        symbols: CHANGE_TYPES,
      },
    },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: { type: 'array', items: 'string' } },
    { name: 'diffFields', type: { type: 'array', items: 'string' } },
    { name: 'changedFields', type: { type: 'array', items: 'string' } },
  ],
}

/**
 * The Avro schema of `<Object>ChangeEvent` built from the object's describe, shaped like
 * Salesforce's: `ChangeEventHeader` first, then every field but Id/IsDeleted/SystemModstamp as a
 * `["null", T]` union defaulting to null, with `doc` `<Field>:<Type>`; address parts
 * (`BillingCity`…) nested in `BillingAddress`, and person name parts (`FirstName`…) in `Name`,
 * as compound records. Datetimes are epoch-millisecond longs, dates epoch-day ints. @internal
 */
export function buildChangeEventSchema(describe: SObjectDescribe, kit: AvroKit): ChangeEventSchema {
  const fields = describe.fields.filter((f) => !NOT_IN_BODY.has(f.name))
  const names = new Set(fields.map((f) => f.name))
  const compoundOf = new Map<string, { parent: string; part: string }>()
  for (const field of fields) {
    const declared = field.compoundFieldName
    const prefix = ADDRESS_PREFIXES.find(
      (p) => field.name.startsWith(p) && ADDRESS_PARTS.includes(field.name.slice(p.length)),
    )
    if (declared) compoundOf.set(field.name, { parent: declared, part: field.name })
    else if (prefix)
      compoundOf.set(field.name, {
        parent: `${prefix}Address`,
        part: field.name.slice(prefix.length),
      })
    else if (NAME_PARTS.includes(field.name) && names.has('Name') && !isWritable(fields, 'Name'))
      compoundOf.set(field.name, { parent: 'Name', part: field.name })
  }
  const avroFields: object[] = [
    { name: 'ChangeEventHeader', type: HEADER, doc: 'Data:ChangeEventHeader' },
  ]
  const positions = new Map<string, number>([['ChangeEventHeader', 0]])
  const nested = new Map<string, readonly [number, number]>()
  const compounds = new Map<string, string[]>()
  const fieldTypes = new Map<string, FieldDescribe['type']>()
  const objectName = describe.name.replace(/__c$/, '__')
  for (const field of fields) {
    fieldTypes.set(field.name, field.type)
    const compound = compoundOf.get(field.name)
    if (compound) {
      let parts = compounds.get(compound.parent)
      if (!parts) {
        parts = []
        compounds.set(compound.parent, parts)
        if (!positions.has(compound.parent)) {
          positions.set(compound.parent, avroFields.length)
          avroFields.push({ name: compound.parent })
        }
      }
      nested.set(field.name, [positions.get(compound.parent) ?? 0, parts.length])
      parts.push(field.name)
      continue
    }
    if (compounds.has(field.name) || positions.has(field.name)) continue
    positions.set(field.name, avroFields.length)
    avroFields.push(bodyField(field.name, field))
  }
  for (const [parent, parts] of compounds) {
    const position = positions.get(parent) ?? 0
    avroFields[position] = {
      name: parent,
      type: [
        'null',
        {
          type: 'record',
          name: parent.endsWith('Address') ? 'Address' : 'PersonName',
          namespace: `com.sforce.eventbus.${objectName}ChangeEvent.${parent}`,
          fields: parts.map((part) => {
            const field = fields.find((f) => f.name === part) as FieldDescribe
            return bodyField(nestedName(parent, part), field)
          }),
        },
      ],
      doc: `${parent}:${parent.endsWith('Address') ? 'Address' : 'PersonName'}`,
      default: null,
    }
  }
  const schema = {
    type: 'record',
    name: `${objectName}ChangeEvent`,
    namespace: 'com.sforce.eventbus',
    fields: avroFields,
    uuid: randomUUID(),
  }
  const fingerprintSource = JSON.stringify({ ...schema, uuid: undefined })
  const id = createHash('sha256').update(fingerprintSource).digest('base64url').slice(0, 22)
  const json = JSON.stringify({ ...schema, uuid: id })
  return { id, json, type: kit.typeOf(json), positions, nested, compounds, fieldTypes }
}

function isWritable(fields: readonly FieldDescribe[], name: string): boolean {
  const field = fields.find((f) => f.name === name)
  return field ? field.createable || field.updateable : false
}

function bodyField(name: string, field: FieldDescribe): object {
  return {
    name,
    type: ['null', avroType(field.type)],
    doc: `${field.name}:${docType(field.type)}`,
    default: null,
  }
}

function avroType(type: FieldDescribe['type']): string {
  switch (type) {
    case 'boolean':
      return 'boolean'
    case 'int':
      return 'int'
    case 'double':
    case 'currency':
    case 'percent':
      return 'double'
    case 'datetime':
    case 'time':
      return 'long'
    case 'date':
      return 'int'
    default:
      return 'string'
  }
}

function docType(type: FieldDescribe['type']): string {
  return type === 'datetime' ? 'DateTime' : type.charAt(0).toUpperCase() + type.slice(1)
}

/** A change event body value in the schema's Avro type (from the CometD payload's JSON value). @internal */
export function avroValue(type: FieldDescribe['type'] | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (type) {
    case 'boolean':
      return Boolean(value)
    case 'int':
      return Math.trunc(Number(value))
    case 'double':
    case 'currency':
    case 'percent':
      return Number(value)
    case 'datetime':
      return BigInt(Date.parse(String(value).replace(/([+-]\d\d)(\d\d)$/, '$1:$2')))
    case 'time': {
      const [h = 0, m = 0, s = 0] = String(value).replace(/Z$/, '').split(':').map(Number)
      return BigInt(Math.round(((h * 60 + m) * 60 + s) * 1000))
    }
    case 'date':
      return Math.floor(Date.parse(`${String(value).slice(0, 10)}T00:00:00Z`) / 86_400_000)
    default:
      return typeof value === 'string' ? value : JSON.stringify(value)
  }
}

/** A change event as Pub/Sub carries it: the schema it was written with and its Avro bytes. @internal */
export interface EncodedChangeEvent {
  readonly schemaId: string
  readonly payload: Buffer
  /** The event's uuid (`ProducerEvent.id`). */
  readonly id: string
}

interface CometdPayload {
  readonly ChangeEventHeader?: {
    readonly changedFields?: readonly string[]
    readonly nulledFields?: readonly string[]
    readonly diffFields?: readonly string[]
    readonly [key: string]: unknown
  }
  readonly [field: string]: unknown
}

/**
 * Encodes the CometD form of a change event (header + the fields it carries) with the object's
 * schema: every field present (null when the event does not carry it), compound parts nested,
 * and the header's field-name lists turned into Salesforce's bitmaps: `"0x…"` with bit i for
 * top-level field i, then `"<position>-0x…"` per compound field for its nested fields. @internal
 */
export function encodeChangeEvent(
  schema: ChangeEventSchema,
  payload: CometdPayload,
): EncodedChangeEvent {
  const header = payload.ChangeEventHeader ?? {}
  const record: Record<string, unknown> = {}
  for (const [name, position] of schema.positions) {
    if (position === 0) continue
    const parts = schema.compounds.get(name)
    if (!parts) {
      record[name] = avroValue(schema.fieldTypes.get(name), payload[name])
      continue
    }
    const present = parts.some((part) => payload[part] !== undefined)
    record[name] = present
      ? Object.fromEntries(
          parts.map((part) => [
            nestedName(name, part),
            avroValue(schema.fieldTypes.get(part), payload[part]),
          ]),
        )
      : null
  }
  record.ChangeEventHeader = {
    ...header,
    commitTimestamp: BigInt(Number(header.commitTimestamp ?? 0)),
    commitNumber: BigInt(Number(header.commitNumber ?? 0)),
    changedFields: bitmap(schema, header.changedFields ?? []),
    nulledFields: bitmap(schema, header.nulledFields ?? []),
    diffFields: bitmap(schema, header.diffFields ?? []),
  }
  return { schemaId: schema.id, payload: schema.type.toBuffer(record), id: randomUUID() }
}

/** The name of a compound part inside its record: `BillingCity` → `City`; `FirstName` stays. */
function nestedName(parent: string, part: string): string {
  if (!parent.endsWith('Address')) return part
  const prefix = parent.slice(0, -'Address'.length)
  return part.startsWith(prefix) ? part.slice(prefix.length) : part
}

/** Field names → Salesforce's bitmap strings (none when no field is named). */
export function bitmap(schema: ChangeEventSchema, names: readonly string[]): string[] {
  if (names.length === 0) return []
  let top = 0n
  const nested = new Map<number, bigint>()
  for (const name of names) {
    const position = schema.positions.get(name)
    if (position !== undefined) {
      top |= 1n << BigInt(position)
      continue
    }
    const inner = schema.nested.get(name)
    if (inner) nested.set(inner[0], (nested.get(inner[0]) ?? 0n) | (1n << BigInt(inner[1])))
  }
  return [
    `0x${top.toString(16).toUpperCase()}`,
    ...[...nested].map(([position, bits]) => `${position}-0x${bits.toString(16).toUpperCase()}`),
  ]
}
