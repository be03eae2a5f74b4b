/**
 * jsforce and faye send every request, even to 127.0.0.1, through `HTTP_PROXY`/`HTTPS_PROXY` when
 * those are set (reference salesforce-wire.md §0.2), and ignore `NO_PROXY`. Tests talk to the
 * in-process emulator only, so the variables are removed before anything imports jsforce.
 */
export const PROXY_VARIABLES = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'http_proxy',
  'https_proxy',
  'ALL_PROXY',
  'all_proxy',
] as const

export function clearProxyEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of PROXY_VARIABLES) delete env[name]
}
