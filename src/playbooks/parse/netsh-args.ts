// The netsh arguments that recreate a captured binding exactly (same appid, store and flags):
// what rollback passes to `netsh http add sslcert`, and what bind passes with the new hash.
import { netshFlag, type NetshBinding, type NetshField } from './netsh.js';

const ON_OFF: readonly (readonly [NetshField, string])[] = [
  ['verifyClientCertRevocation', 'verifyclientcertrevocation'],
  ['verifyRevocationWithCachedClientCertOnly', 'verifyrevocationwithcachedclientcertonly'],
  ['usageCheck', 'usagecheck'],
  ['dsMapperUsage', 'dsmapperusage'],
  ['clientCertNegotiation', 'clientcertnegotiation'],
];

// Newer flags are only passed when set, so the same arguments work on builds that lack them.
const ENABLE_ONLY: readonly (readonly [NetshField, string])[] = [
  ['rejectConnections', 'rejectconnections'],
  ['disableHttp2', 'disablehttp2'],
  ['disableQuic', 'disablequic'],
  ['disableTls12', 'disabletls12'],
  ['disableTls13', 'disabletls13'],
  ['disableOcspStapling', 'disableocspstapling'],
  ['disableLegacyTls', 'disablelegacytls'],
  ['enableTokenBinding', 'enabletokenbinding'],
  ['logExtendedEvents', 'logextendedevents'],
  ['enableSessionTicket', 'enablesessionticket'],
];

const NUMBERS: readonly (readonly [NetshField, string])[] = [
  ['revocationFreshnessTime', 'revocationfreshnesstime'],
  ['urlRetrievalTimeout', 'urlretrievaltimeout'],
];

export function netshAddArgs(b: NetshBinding): string[] {
  const args = [`${b.endpoint.kind}=${b.endpoint.value}`];
  const f = b.fields;
  if (f.certificateHash) args.push(`certhash=${f.certificateHash.replace(/\s+/g, '')}`);
  if (f.appId) args.push(`appid=${f.appId}`);
  if (f.certStoreName) args.push(`certstorename=${f.certStoreName}`);
  for (const [field, arg] of NUMBERS) {
    const v = f[field];
    if (v && /^\d+$/.test(v)) args.push(`${arg}=${v}`);
  }
  if (f.sslCtlIdentifier) args.push(`sslctlidentifier=${f.sslCtlIdentifier}`);
  if (f.sslCtlStoreName) args.push(`sslctlstorename=${f.sslCtlStoreName}`);
  for (const [field, arg] of ON_OFF) {
    const v = netshFlag(b, field);
    if (v !== undefined) args.push(`${arg}=${v ? 'enable' : 'disable'}`);
  }
  for (const [field, arg] of ENABLE_ONLY) {
    if (netshFlag(b, field) === true) args.push(`${arg}=enable`);
  }
  return args;
}
