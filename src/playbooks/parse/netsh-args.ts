// The netsh arguments that recreate a captured binding exactly (same appid, store and flags):
// what rollback passes to `netsh http add|update sslcert`, and what bind passes with the new hash.
// Every argument name here is one `netsh http add sslcert` lists in its usage text
// (test/fixtures/windows/netsh-usage-add-sslcert-*.txt; a unit test holds this to it).
import { CertrollError } from '../../errors.js';
import { netshFlag, type NetshBinding, type NetshField } from './netsh.js';

/** Flags every build has: always passed, so the rebound binding does not fall back to a default. */
export const NETSH_ON_OFF_ARGS: readonly (readonly [NetshField, string])[] = [
  ['verifyClientCertRevocation', 'verifyclientcertrevocation'],
  ['verifyRevocationWithCachedClientCertOnly', 'verifyrevocationwithcachedclientcertonly'],
  ['usageCheck', 'usagecheck'],
  ['dsMapperUsage', 'dsmapperusage'],
  ['clientCertNegotiation', 'clientcertnegotiation'],
];

// Flags newer builds added: passed only when set, so the same arguments work on a build that
// lacks them (where they are off by definition; netsh's default for each is disable).
export const NETSH_ENABLE_ONLY_ARGS: readonly (readonly [NetshField, string])[] = [
  ['rejectConnections', 'reject'],
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

export const NETSH_NUMBER_ARGS: readonly (readonly [NetshField, string])[] = [
  ['revocationFreshnessTime', 'revocationfreshnesstime'],
  ['urlRetrievalTimeout', 'urlretrievaltimeout'],
];

export const NETSH_STRING_ARGS: readonly (readonly [NetshField, string])[] = [
  ['certificateHash', 'certhash'],
  ['appId', 'appid'],
  ['certStoreName', 'certstorename'],
  ['sslCtlIdentifier', 'sslctlidentifier'],
  ['sslCtlStoreName', 'sslctlstorename'],
];

/** http.sys's HTTP/2 defaults; `add sslcert` cannot set these, so only defaults survive a rebind. */
const PROPERTY_DEFAULTS: readonly (readonly [NetshField, string])[] = [
  ['receiveWindow', '1048576'],
  ['maxSettingsPerFrame', '2796202'],
  ['maxSettingsPerMinute', '4294967295'],
];

export function netshAddArgs(b: NetshBinding): string[] {
  refuseExtendedProperties(b);
  const args = [`${b.endpoint.kind}=${b.endpoint.value}`];
  const f = b.fields;
  for (const [field, arg] of NETSH_STRING_ARGS) {
    const v = f[field];
    if (v) args.push(`${arg}=${field === 'certificateHash' ? v.replace(/\s+/g, '') : v}`);
  }
  for (const [field, arg] of NETSH_NUMBER_ARGS) {
    const v = f[field];
    if (v && /^\d+$/.test(v)) args.push(`${arg}=${v}`);
  }
  for (const [field, arg] of NETSH_ON_OFF_ARGS) {
    const v = netshFlag(b, field);
    if (v !== undefined) args.push(`${arg}=${v ? 'enable' : 'disable'}`);
  }
  for (const [field, arg] of NETSH_ENABLE_ONLY_ARGS) {
    if (netshFlag(b, field) === true) args.push(`${arg}=enable`);
  }
  return args;
}

// A binding whose HTTP/2 window or settings limits were changed (`update sslpropertyex`) would
// come back with the defaults after delete+add: refuse rather than lose them quietly.
function refuseExtendedProperties(b: NetshBinding): void {
  for (const [field, byDefault] of PROPERTY_DEFAULTS) {
    const v = b.fields[field];
    if (v === undefined || v === null || v === byDefault) continue;
    throw new CertrollError(
      'PLAYBOOK_OUTPUT',
      `netsh binding ${b.endpoint.kind}=${b.endpoint.value} has ${field} ${v} (default ${byDefault}), which netsh http add sslcert cannot restore`,
      {
        field,
        hint: 'Set it back with `netsh http update sslpropertyex` before the rollout, or bind this endpoint by hand.',
      },
    );
  }
}
