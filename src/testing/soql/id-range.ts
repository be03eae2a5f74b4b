import type { WhereClause } from '@jetstreamapp/soql-parser-js'
import { unquote } from './compile-condition.js'
import { type WhereNode, whereTree } from './where-tree.js'

/**
 * Bounds on the first 15 characters of `Id` (inclusive) that every record a WHERE clause matches
 * lies within, as an index range would: `low`/`high` undefined where unbounded.
 */
export interface IdRange {
  readonly low?: string
  readonly high?: string
}

/**
 * The Id range a WHERE clause restricts its records to, read from its top-level AND-ed
 * comparisons of `Id` with a literal (`=`, `<`, `<=`, `>`, `>=`); `undefined` when it has none.
 * It is a pre-filter: a record in the range still goes through the whole WHERE clause, so the
 * range may be wider than what matches (a strict `<` is taken as `<=`), never narrower. Lets the
 * emulator answer a Bulk job of one Id range (docs/concepts/performance.md, "Initial load")
 * without reading every record of the object, as Salesforce's index on Id does.
 */
export function idRangeOf(where: WhereClause | undefined): IdRange | undefined {
  if (!where) return undefined
  const range = rangeOf(whereTree(where))
  return range.low === undefined && range.high === undefined ? undefined : range
}

function rangeOf(node: WhereNode): IdRange {
  if (node.kind === 'and') {
    const left = rangeOf(node.left)
    const right = rangeOf(node.right)
    return {
      ...tighter(left.low, right.low, 'low'),
      ...tighter(left.high, right.high, 'high'),
    }
  }
  if (node.kind !== 'condition') return {}
  const condition = node.condition as {
    field?: string
    operator?: string
    value?: unknown
    literalType?: unknown
  }
  if (
    condition.field?.toLowerCase() !== 'id' ||
    typeof condition.value !== 'string' ||
    (condition.literalType !== undefined && condition.literalType !== 'STRING')
  )
    return {}
  const id = unquote(condition.value).slice(0, 15)
  switch (condition.operator) {
    case '=':
      return { low: id, high: id }
    case '>':
    case '>=':
      return { low: id }
    case '<':
    case '<=':
      return { high: id }
    default:
      return {}
  }
}

/** The tighter of two bounds (the higher low, the lower high), as text compares Ids. */
function tighter(a: string | undefined, b: string | undefined, key: 'low' | 'high'): IdRange {
  if (a === undefined || b === undefined) {
    const only = a ?? b
    return only === undefined ? {} : { [key]: only }
  }
  const ascending = [a, b].sort()
  return { [key]: key === 'low' ? ascending[1] : ascending[0] }
}
