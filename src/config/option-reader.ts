import { ConfigError, type ConfigProblem } from '../errors/config-error.js'
import { describeValue } from './describe-value.js'

/** Options of the `expect*` helpers of {@link OptionReader}. */
export interface ExpectOptions {
  /** Never show the received value in messages (passwords, tokens). */
  readonly secret?: boolean
}

/**
 * The one way pgforce validates options: every `resolve*Options()` function reads its raw input
 * through an `OptionReader`, which collects every problem instead of stopping at the first, then
 * calls {@link OptionReader.finish} to throw one {@link ConfigError} listing them all.
 *
 * Each `expect*` method returns the value when it is valid, else `undefined` after recording a
 * problem, so a resolver reads straight through and reports everything at the end.
 *
 * @example
 * ```ts
 * function resolvePollOptions(input: PollOptions): ResolvedPollOptions {
 *   const read = new OptionReader('poll options')
 *   const intervalMs = read.integer('intervalMs', input.intervalMs ?? 60_000, { min: 1 })
 *   read.finish()
 *   return { intervalMs: intervalMs ?? 60_000 }
 * }
 * ```
 * @internal
 */
export class OptionReader {
  private readonly problems: ConfigProblem[] = []
  private readonly context: string

  /** @param context What is being read, for the error message, e.g. `mapping "Account"`. */
  constructor(context = 'options') {
    this.context = context
  }

  /** Records a problem by hand, for checks the `expect*` helpers don't cover. */
  problem(path: string, expected: string, received: unknown, options: ExpectOptions = {}): void {
    this.problems.push({ path, expected, received: describeValue(received, options.secret) })
  }

  /** Records a problem whose "received" part is already a description. */
  problemWithDescription(path: string, expected: string, received: string): void {
    this.problems.push({ path, expected, received })
  }

  get hasProblems(): boolean {
    return this.problems.length > 0
  }

  /** A non-empty string. */
  string(path: string, value: unknown, options: ExpectOptions = {}): string | undefined {
    if (typeof value === 'string' && value.length > 0) return value
    this.problem(path, 'a non-empty string', value, options)
    return undefined
  }

  /** A whole number in `[min, max]`. */
  integer(
    path: string,
    value: unknown,
    range: { min?: number; max?: number } = {},
  ): number | undefined {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
      return value
    }
    this.problem(path, `a whole number ${describeRange(min, max)}`, value)
    return undefined
  }

  /** `true` or `false`. */
  boolean(path: string, value: unknown): boolean | undefined {
    if (typeof value === 'boolean') return value
    this.problem(path, 'true or false', value)
    return undefined
  }

  /** One of a fixed set of strings. */
  oneOf<const T extends string>(
    path: string,
    value: unknown,
    allowed: readonly T[],
  ): T | undefined {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
      return value as T
    this.problem(path, allowed.map((a) => JSON.stringify(a)).join(' or '), value)
    return undefined
  }

  /** A plain object (not an array, not null). */
  object(path: string, value: unknown): Record<string, unknown> | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>
    }
    this.problem(path, 'an object', value)
    return undefined
  }

  /** A function. */
  func<T extends (...args: never[]) => unknown>(path: string, value: unknown): T | undefined {
    if (typeof value === 'function') return value as T
    this.problem(path, 'a function', value)
    return undefined
  }

  /** Throws one {@link ConfigError} listing every recorded problem, if there are any. */
  finish(): void {
    if (this.problems.length > 0) throw new ConfigError([...this.problems], this.context)
  }
}

function describeRange(min: number, max: number): string {
  const hasMin = min !== Number.MIN_SAFE_INTEGER
  const hasMax = max !== Number.MAX_SAFE_INTEGER
  if (hasMin && hasMax) return `from ${min} to ${max}`
  if (hasMin) return `>= ${min}`
  if (hasMax) return `<= ${max}`
  return ''
}
