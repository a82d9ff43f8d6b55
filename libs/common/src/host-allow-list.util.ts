/** A URL's host (lower case; undefined when the text is not a URL) and whether it is allowed. */
export interface HostCheck {
  host: string | undefined;
  allowed: boolean;
}

/**
 * Whether a URL may be called: its host name, compared without case, is on the allow-list
 * (host names, e.g. WEBHOOK_ALLOWED_HOSTS). Text that is not a URL is never allowed.
 */
export function checkHostAllowed(url: string, allowedHosts: readonly string[]): HostCheck {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return { host: undefined, allowed: false };
  }
  return { host, allowed: allowedHosts.some((allowed) => allowed.toLowerCase() === host) };
}
