/** An Avro record schema as JSON (only what field decoding reads). @internal */
export interface RecordSchemaJson {
  readonly fields: readonly { readonly name: string; readonly type: unknown }[]
}

/**
 * Salesforce field names from a change event's bitmap field (`changedFields`, `nulledFields` or
 * `diffFields`): the first entry `"0x…"` has bit i set for the schema's top-level field i (0 is
 * `ChangeEventHeader`), least significant bit first; each further entry `"<position>-0x…"` has a
 * bit per nested field of the compound field at that position. Nested address parts are named as
 * Salesforce fields (`BillingAddress` + `City` → `BillingCity`), other parts by their own name
 * (`Name` + `FirstName` → `FirstName`), and the compound field itself is listed too. Entries that
 * are already field names (the CometD form) are kept. @internal
 */
export function changeEventFields(schema: RecordSchemaJson, bitmaps: readonly string[]): string[] {
  const names: string[] = []
  for (const entry of bitmaps) {
    const nested = /^(\d+)-0x([0-9a-f]+)$/i.exec(entry)
    if (nested) {
      const parent = schema.fields[Number(nested[1])]
      const record = parent && recordOf(parent.type)
      if (!parent || !record) continue
      const parts = positions(nested[2] ?? '0').flatMap((i) => record.fields[i]?.name ?? [])
      if (parts.length > 0) names.push(parent.name)
      for (const part of parts) names.push(salesforceName(parent.name, part))
      continue
    }
    const top = /^0x([0-9a-f]*)$/i.exec(entry)
    if (top) {
      for (const i of positions(top[1] ?? '')) {
        const field = schema.fields[i]
        if (field && i > 0) names.push(field.name)
      }
      continue
    }
    names.push(entry)
  }
  return [...new Set(names)]
}

function positions(hex: string): number[] {
  if (hex === '') return []
  let bits = BigInt(`0x${hex}`)
  const set: number[] = []
  for (let i = 0; bits > 0n; i += 1, bits >>= 1n) if (bits & 1n) set.push(i)
  return set
}

function recordOf(type: unknown): RecordSchemaJson | undefined {
  const branches = Array.isArray(type) ? type : [type]
  for (const branch of branches) {
    if (
      typeof branch === 'object' &&
      branch !== null &&
      (branch as { type?: unknown }).type === 'record'
    )
      return branch as RecordSchemaJson
  }
  return undefined
}

function salesforceName(parent: string, part: string): string {
  return parent.endsWith('Address') ? `${parent.slice(0, -'Address'.length)}${part}` : part
}
