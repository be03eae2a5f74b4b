import type * as Avsc from 'avsc'
import { assertSupportedNode } from '../supported-node.js'

/** avsc, and a `long` type that reads and writes BigInt (Salesforce's `commitNumber` exceeds 2^53). @internal */
export interface AvroKit {
  readonly avro: typeof Avsc
  /** Parses an Avro schema (JSON text or object) with BigInt longs. */
  typeOf(schema: string | object): Avsc.Type
}

let loading: Promise<AvroKit> | undefined

/** Loads avsc on first use. @internal */
export function loadAvro(): Promise<AvroKit> {
  loading ??= load()
  return loading
}

async function load(): Promise<AvroKit> {
  assertSupportedNode()
  const imported = await import('avsc')
  const avro = ((imported as unknown as { default?: typeof Avsc }).default ??
    imported) as typeof Avsc
  const bigintLong = avro.types.LongType.__with({
    fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
    toBuffer: (value: bigint) => {
      const buffer = Buffer.alloc(8)
      buffer.writeBigInt64LE(BigInt(value))
      return buffer
    },
    fromJSON: (value: unknown) => BigInt(value as number),
    toJSON: (value: bigint) => Number(value),
    isValid: (value: unknown) => typeof value === 'bigint',
    compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
  })
  return {
    avro,
    typeOf: (schema) =>
      avro.Type.forSchema(
        (typeof schema === 'string' ? JSON.parse(schema) : schema) as Avsc.Schema,
        {
          registry: { long: bigintLong },
          wrapUnions: false,
        },
      ),
  }
}
