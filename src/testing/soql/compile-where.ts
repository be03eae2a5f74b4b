import type { WhereClause } from '@jetstreamapp/soql-parser-js'
import type { SObjectDescribe, SObjectRecord } from '../../salesforce/salesforce-types.js'
import { compileCondition } from './compile-condition.js'
import { resolveFieldPath } from './field-path.js'
import type { SoqlDataSource } from './soql-data-source.js'
import { soqlError } from './soql-error.js'
import { type WhereNode, whereTree } from './where-tree.js'

/** Compiles a WHERE clause into one predicate over records of `describe`'s object. */
export function compileWhere(
  where: WhereClause | undefined,
  describe: SObjectDescribe,
  source: SoqlDataSource,
): (record: SObjectRecord) => boolean {
  if (!where) return () => true
  const now = source.now()
  const compile = (node: WhereNode): ((record: SObjectRecord) => boolean) => {
    switch (node.kind) {
      case 'and': {
        const left = compile(node.left)
        const right = compile(node.right)
        return (r) => left(r) && right(r)
      }
      case 'or': {
        const left = compile(node.left)
        const right = compile(node.right)
        return (r) => left(r) || right(r)
      }
      case 'not': {
        const operand = compile(node.operand)
        return (r) => !operand(r)
      }
      case 'condition': {
        const condition = node.condition as { field?: string; fn?: unknown; valueQuery?: unknown }
        if (typeof condition.field !== 'string' || condition.valueQuery) {
          throw soqlError(
            'MALFORMED_QUERY',
            'only field comparisons with literal values are supported in WHERE',
          )
        }
        return compileCondition(
          node.condition,
          resolveFieldPath(source, describe, condition.field),
          now,
        )
      }
    }
  }
  return compile(whereTree(where))
}
