import { PgforceError } from './pgforce-error.js'

/** One thing wrong with a set of options: where, what was expected, and what was received. */
export interface ConfigProblem {
  /** Dotted path of the offending option, e.g. `mappings[1].fields.Name`. */
  readonly path: string
  /** What a valid value looks like, e.g. `"read_only" or "read_write"`. */
  readonly expected: string
  /** A short, secret-free description of what was received, e.g. `"readwrite" (string)`. */
  readonly received: string
}

/**
 * Invalid configuration, raised before anything is written or connected. It lists every problem
 * found, not only the first, so a user fixes their config in one pass.
 *
 * @example
 * ```ts
 * // ConfigError: Invalid options (2 problems):
 * //   - `access`: expected "read_only" or "read_write", got "readwrite" (string)
 * //   - `fields`: expected a non-empty list of field names, got [] (array)
 * ```
 */
export class ConfigError extends PgforceError {
  /** Every problem found, in the order they were found. */
  readonly problems: readonly ConfigProblem[]

  constructor(problems: readonly ConfigProblem[], context = 'options') {
    super('CONFIG_INVALID', ConfigError.format(problems, context))
    this.problems = problems
  }

  private static format(problems: readonly ConfigProblem[], context: string): string {
    const lines = problems.map(
      (p) => `  - \`${p.path}\`: expected ${p.expected}, got ${p.received}`,
    )
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
    return `Invalid ${context} (${count}):\n${lines.join('\n')}`
  }
}
