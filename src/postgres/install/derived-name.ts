import { createHash } from 'node:crypto'

/**
 * The longest identifier Postgres keeps, in bytes (`NAMEDATALEN - 1`). Longer names are cut to
 * this many bytes without an error, so two long names can silently become one.
 */
export const MAX_IDENTIFIER_BYTES = 63

/** Length of the hash part of a shortened name: `_` and 8 hex digits. */
const HASH_PART_BYTES = 9

/**
 * A name pgforce derives from a table or column name: `prefix + base + suffix`, Heroku Connect's
 * name, whenever that fits in {@link MAX_IDENTIFIER_BYTES} bytes of UTF-8, so adopted Heroku
 * Connect schemas and existing installs keep their objects. A longer one is shortened to exactly
 * 63 bytes: the prefix, as much of `base` as fits (never cutting a character in two), `_`, the
 * first 8 hex digits of the SHA-256 of the full name, then the suffix. Postgres would otherwise
 * cut it and two names could become one (the logger and status functions of a 59-character
 * table, say); the hash keeps distinct full names distinct, and the same full name always gets
 * the same short one.
 *
 * @example
 * ```ts
 * derivedName('hc_', 'account', '_logger') // 'hc_account_logger'
 * derivedName('hc_', 'a'.repeat(60), '_logger') // 'hc_aaa…a_<8 hex>_logger' (63 bytes)
 * ```
 * @internal
 */
export function derivedName(prefix: string, base: string, suffix: string): string {
  const full = `${prefix}${base}${suffix}`
  if (byteLength(full) <= MAX_IDENTIFIER_BYTES) return full
  const room = MAX_IDENTIFIER_BYTES - byteLength(prefix) - byteLength(suffix) - HASH_PART_BYTES
  if (room < 1) throw new Error(`derivedName(): no room for the base name in ${full}`)
  const hash = createHash('sha256').update(full, 'utf8').digest('hex').slice(0, 8)
  return `${prefix}${leadingBytes(base, room)}_${hash}${suffix}`
}

/** Byte length of a string in UTF-8, the encoding identifiers are measured in. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** The longest start of `text` that is at most `max` bytes of UTF-8, cut between characters. */
function leadingBytes(text: string, max: number): string {
  let bytes = 0
  let end = 0
  for (const character of text) {
    bytes += byteLength(character)
    if (bytes > max) break
    end += character.length
  }
  return text.slice(0, end)
}

/** The names of the objects `install()` creates for one mapped table. @internal */
export interface TableObjectNames {
  /** `hc_<t>_logger`: the capture function. */
  readonly logger: string
  /** `hc_<t>_status`: the function that marks app edits PENDING (read/write mappings). */
  readonly status: string
  /** `hc_<t>_logtrigger`: runs the logger. */
  readonly logTrigger: string
  /** `hc_<t>_status_trigger`: runs the status function. */
  readonly statusTrigger: string
  /** `hcu_idx_<t>_sfid`: the unique index on `sfid`. */
  readonly sfidIndex: string
  /** `hc_idx_<t>_systemmodstamp`. */
  readonly systemmodstampIndex: string
  /** `hcu_idx_<t>_<column>`: the unique index on the external id column, when the mapping has one. */
  readonly externalIdIndex: string | undefined
}

/**
 * Heroku Connect's names for a mapped table's functions, triggers and indexes, each through
 * {@link derivedName}: the one place they are built, for the statements and for the check after
 * them.
 * @internal
 */
export function tableObjectNames(table: string, externalIdColumn?: string): TableObjectNames {
  return buildNames(table, externalIdColumn, derivedName)
}

/**
 * The names Postgres gave these objects when earlier pgforce versions or Heroku Connect created them
 * under their full, too-long names: the full name cut to 63 bytes. `undefined` for the names that
 * fit, which never changed. `install()` renames or replaces objects it finds under these.
 * @internal
 */
export function cutTableObjectNames(
  table: string,
  externalIdColumn?: string,
): { readonly [K in keyof TableObjectNames]: string | undefined } {
  return buildNames(table, externalIdColumn, cutByPostgres)
}

function buildNames<N extends string | undefined>(
  table: string,
  externalIdColumn: string | undefined,
  name: (prefix: string, base: string, suffix: string) => N,
) {
  return {
    logger: name('hc_', table, '_logger'),
    status: name('hc_', table, '_status'),
    logTrigger: name('hc_', table, '_logtrigger'),
    statusTrigger: name('hc_', table, '_status_trigger'),
    sfidIndex: name('hcu_idx_', table, '_sfid'),
    systemmodstampIndex: name('hc_idx_', table, '_systemmodstamp'),
    externalIdIndex:
      externalIdColumn === undefined
        ? undefined
        : name('hcu_idx_', `${table}_${externalIdColumn}`, ''),
  }
}

/**
 * Heroku Connect's name for an index on one column of a mapped table: `hcu_idx_<t>_<column>` when
 * unique, else `hc_idx_<t>_<column>`, through {@link derivedName}; `cut` gives the name Postgres
 * made of a longer one instead (`undefined` when it fits).
 * @internal
 */
export function columnIndexName(table: string, column: string, unique: boolean): string
export function columnIndexName(
  table: string,
  column: string,
  unique: boolean,
  cut: 'cut',
): string | undefined
export function columnIndexName(
  table: string,
  column: string,
  unique: boolean,
  cut?: 'cut',
): string | undefined {
  const prefix = unique ? 'hcu_idx_' : 'hc_idx_'
  return (cut ? cutByPostgres : derivedName)(prefix, `${table}_${column}`, '')
}

/** What Postgres makes of a name longer than it keeps: its first 63 bytes; `undefined` if it fits. */
function cutByPostgres(prefix: string, base: string, suffix: string): string | undefined {
  const full = `${prefix}${base}${suffix}`
  return byteLength(full) > MAX_IDENTIFIER_BYTES
    ? leadingBytes(full, MAX_IDENTIFIER_BYTES)
    : undefined
}
