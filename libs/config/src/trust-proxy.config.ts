import { isIP } from 'node:net';
import type { Parsed } from './sending-policy.config';

/**
 * TRUST_PROXY: which peers may tell Kizuna the client's address in X-Forwarded-For. The client
 * address keys the failed-authentication limit, so trusting a peer that is not your proxy lets
 * any client pick its own address and walk around the limit; trusting none behind a proxy puts
 * every client under the proxy's address. The value goes to Express's `trust proxy` setting.
 *
 * - `false`: no proxy; the client address is the TCP peer.
 * - a number `n`: trust the `n` hops nearest Kizuna (a cloud load balancer in front: `1`).
 * - a comma-separated list of addresses, CIDR ranges or the names `loopback`, `linklocal`,
 *   `uniquelocal`: trust peers in it (a reverse proxy on the same host: `loopback`).
 *
 * `true` (trust everyone) is refused: it hands the limit's key to the client.
 */
export type TrustProxy = false | number | string[];

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

export function parseTrustProxy(text: string): Parsed<TrustProxy> {
  const value = text.trim().toLowerCase();
  if (value === 'false' || value === '') {
    return { ok: true, value: false };
  }
  if (value === 'true') {
    return {
      ok: false,
      message: 'true would trust any client to name its own address; give the proxy addresses or a hop count',
    };
  }
  if (/^\d+$/.test(value)) {
    return { ok: true, value: Number(value) };
  }
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (!NAMED_RANGES.has(entry) && !isAddressOrRange(entry)) {
      return {
        ok: false,
        message: `"${entry}" is not an address, a CIDR range, loopback, linklocal or uniquelocal (or use false, or a hop count)`,
      };
    }
  }
  return { ok: true, value: entries };
}

function isAddressOrRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || rest.length > 0) {
    return false;
  }
  if (prefix === undefined) {
    return true;
  }
  return /^\d+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
