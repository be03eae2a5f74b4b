/** The version of pgforce, written into `_hcmeta` and `_pgforce_schema` so upgrades can tell. */
export const VERSION = '0.1.0'
