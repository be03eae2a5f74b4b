import type { WhereClause } from '@jetstreamapp/soql-parser-js'
import { soqlError } from './soql-error.js'

/** A condition of a WHERE clause, as the parser gives it. */
export type Condition = NonNullable<WhereClause['left']>

/** A WHERE clause as a proper tree: `and`/`or`/`not` over conditions. */
export type WhereNode =
  | { readonly kind: 'condition'; readonly condition: Condition }
  | { readonly kind: 'not'; readonly operand: WhereNode }
  | { readonly kind: 'and' | 'or'; readonly left: WhereNode; readonly right: WhereNode }

type Token =
  | { type: '(' }
  | { type: ')' }
  | { type: 'AND' | 'OR' | 'NOT' }
  | { type: 'cond'; condition: Condition }

/**
 * The parser returns WHERE as a right-leaning list with parentheses recorded as counts on the
 * conditions (`openParen`, `closeParen`). This rebuilds the tree with SOQL precedence
 * (NOT > AND > OR) from that list.
 */
export function whereTree(where: WhereClause): WhereNode {
  const tokens: Token[] = []
  let clause: WhereClause | undefined = where
  while (clause) {
    const left = clause.left as (Condition & { openParen?: number; closeParen?: number }) | null
    if (left) {
      for (let i = 0; i < (left.openParen ?? 0); i += 1) tokens.push({ type: '(' })
      tokens.push({ type: 'cond', condition: left })
      for (let i = 0; i < (left.closeParen ?? 0); i += 1) tokens.push({ type: ')' })
    }
    const operator = (clause as { operator?: string }).operator?.toUpperCase()
    if (operator === 'AND' || operator === 'OR' || operator === 'NOT')
      tokens.push({ type: operator })
    clause = (clause as { right?: WhereClause }).right
  }
  let position = 0
  const peek = () => tokens[position]
  const parseOr = (): WhereNode => {
    let node = parseAnd()
    while (peek()?.type === 'OR') {
      position += 1
      node = { kind: 'or', left: node, right: parseAnd() }
    }
    return node
  }
  const parseAnd = (): WhereNode => {
    let node = parseNot()
    while (peek()?.type === 'AND') {
      position += 1
      node = { kind: 'and', left: node, right: parseNot() }
    }
    return node
  }
  const parseNot = (): WhereNode => {
    if (peek()?.type === 'NOT') {
      position += 1
      return { kind: 'not', operand: parseNot() }
    }
    return parsePrimary()
  }
  const parsePrimary = (): WhereNode => {
    const token = tokens[position]
    position += 1
    if (token?.type === '(') {
      const node = parseOr()
      if (tokens[position]?.type !== ')')
        throw soqlError('MALFORMED_QUERY', 'unexpected token: unbalanced parentheses')
      position += 1
      return node
    }
    if (token?.type === 'cond') return { kind: 'condition', condition: token.condition }
    throw soqlError('MALFORMED_QUERY', 'unexpected token in WHERE clause')
  }
  const tree = parseOr()
  if (position !== tokens.length)
    throw soqlError('MALFORMED_QUERY', 'unexpected token in WHERE clause')
  return tree
}
