// `certroll scan --endpoint HOST:PORT`: what a monitoring system runs every minute per endpoint,
// so its start counts. The one endpoint is the scan plan of a one-binding inventory (the CLI's
// `endpointInventory`); built here directly, it spares loading the inventory's parser (zod, yaml)
// for values that parser is known to accept. Anything else (an IPv6 address, a name the parser
// may refuse) returns undefined and goes the inventory's way, to get its checks and its messages.
import { isDnsName } from '../inventory/dns-name.js';
import { type SingleEndpoint } from './scan-options.js';
import { type ScanEndpoint } from './scan-types.js';

/** The names `endpointInventory` gives the one environment and host. */
export const ENDPOINT_NAME = 'endpoint';

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4 = new RegExp(`^(?:${OCTET}\\.){3}${OCTET}$`);

export function directEndpoint(e: SingleEndpoint): ScanEndpoint | undefined {
  const addressOk = IPV4.test(e.address) || isDnsName(e.address);
  // A DNS name is never all-numeric at its end (isDnsName), so an IP address is no SNI here.
  const sniOk = e.sni === null || isDnsName(e.sni);
  if (!addressOk || !sniOk || !(Number.isInteger(e.port) && e.port >= 1 && e.port <= 65535))
    return undefined;
  return {
    env: ENDPOINT_NAME,
    host: ENDPOINT_NAME,
    binding: `${ENDPOINT_NAME}:${e.port}`,
    role: 'direct',
    member: null,
    address: e.address,
    port: e.port,
    sni: e.sni,
    samples: 1,
  };
}
