// proxy-from-env 2 ships no types.
declare module 'proxy-from-env' {
  /** The proxy for `url` from `*_PROXY`/`NO_PROXY`, or `''` when the request goes direct. */
  export function getProxyForUrl(url: string | URL): string
}
