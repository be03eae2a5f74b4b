/**
 * The proxy variables, removed from every test process so that results do not depend on the
 * developer's environment. pgforce itself no longer needs this: it reaches loopback hosts (the
 * emulator) directly and decides per request from `HTTP(S)_PROXY`/`NO_PROXY` for the rest. The
 * tests of that (test/integration/salesforce/proxies.test.ts, the demo test) set the variables in
 * a child process's environment.
 */
export const PROXY_VARIABLES = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'http_proxy',
  'https_proxy',
  'ALL_PROXY',
  'all_proxy',
] as const

/** Deletes {@link PROXY_VARIABLES} from `env`. */
export function clearProxyEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of PROXY_VARIABLES) delete env[name]
}
