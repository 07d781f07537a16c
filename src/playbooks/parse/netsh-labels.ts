// The labels `netsh http show sslcert` prints, per display language, and the words for flag values.
// English is recorded output; German and French are inferred translations (sources and which is
// which: test/fixtures/windows/README.md). Labels are compared after normaliseLabel (lower case,
// single spaces, ASCII apostrophes).

export type NetshLocale = 'en' | 'de' | 'fr';
export type NetshEndpointKind = 'ipport' | 'hostnameport' | 'ccs';

export const NETSH_FIELDS = [
  'certificateHash',
  'appId',
  'certStoreName',
  'verifyClientCertRevocation',
  'verifyRevocationWithCachedClientCertOnly',
  'usageCheck',
  'revocationFreshnessTime',
  'urlRetrievalTimeout',
  'sslCtlIdentifier',
  'sslCtlStoreName',
  'dsMapperUsage',
  'clientCertNegotiation',
  'rejectConnections',
  'disableHttp2',
  'disableQuic',
  'disableTls12',
  'disableTls13',
  'disableOcspStapling',
  'enableTokenBinding',
  'logExtendedEvents',
  'disableLegacyTls',
  'enableSessionTicket',
  // HTTP/2 extended properties (`netsh http update sslpropertyex`), printed by 2022 in a nested block.
  'receiveWindow',
  'maxSettingsPerFrame',
  'maxSettingsPerMinute',
] as const;
export type NetshField = (typeof NETSH_FIELDS)[number];

/** Lower case, single spaces, typographic apostrophes as ASCII: how labels are compared. */
export const normaliseLabel = (label: string): string =>
  label
    .replace(/[\u2019`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

type Table = Readonly<Record<NetshField, string>>;

const EN: Table = {
  certificateHash: 'Certificate Hash',
  appId: 'Application ID',
  certStoreName: 'Certificate Store Name',
  verifyClientCertRevocation: 'Verify Client Certificate Revocation',
  verifyRevocationWithCachedClientCertOnly:
    'Verify Revocation Using Cached Client Certificate Only',
  usageCheck: 'Usage Check',
  revocationFreshnessTime: 'Revocation Freshness Time',
  urlRetrievalTimeout: 'URL Retrieval Timeout',
  sslCtlIdentifier: 'Ctl Identifier',
  sslCtlStoreName: 'Ctl Store Name',
  dsMapperUsage: 'DS Mapper Usage',
  clientCertNegotiation: 'Negotiate Client Certificate',
  rejectConnections: 'Reject Connections',
  disableHttp2: 'Disable HTTP2',
  disableQuic: 'Disable QUIC',
  disableTls12: 'Disable TLS1.2',
  disableTls13: 'Disable TLS1.3',
  disableOcspStapling: 'Disable OCSP Stapling',
  enableTokenBinding: 'Enable Token Binding',
  logExtendedEvents: 'Log Extended Events',
  disableLegacyTls: 'Disable Legacy TLS Versions',
  enableSessionTicket: 'Enable Session Ticket',
  receiveWindow: 'Receive Window',
  maxSettingsPerFrame: 'Max Settings Per Frame',
  maxSettingsPerMinute: 'Max Settings Per Minute',
};

const DE: Table = {
  certificateHash: 'Zertifikathash',
  appId: 'Anwendungs-ID',
  certStoreName: 'Zertifikatspeichername',
  verifyClientCertRevocation: 'Clientzertifikatsperrung überprüfen',
  verifyRevocationWithCachedClientCertOnly:
    'Sperrung nur mit zwischengespeichertem Clientzertifikat überprüfen',
  usageCheck: 'Verwendungsüberprüfung',
  revocationFreshnessTime: 'Aktualitätszeit für Sperrung',
  urlRetrievalTimeout: 'Zeitlimit für URL-Abruf',
  sslCtlIdentifier: 'Ctl-ID',
  sslCtlStoreName: 'Ctl-Speichername',
  dsMapperUsage: 'DS-Zuordnungsverwendung',
  clientCertNegotiation: 'Clientzertifikat aushandeln',
  rejectConnections: 'Verbindungen ablehnen',
  disableHttp2: 'HTTP2 deaktivieren',
  disableQuic: 'QUIC deaktivieren',
  disableTls12: 'TLS1.2 deaktivieren',
  disableTls13: 'TLS1.3 deaktivieren',
  disableOcspStapling: 'OCSP-Stapling deaktivieren',
  enableTokenBinding: 'Tokenbindung aktivieren',
  logExtendedEvents: 'Erweiterte Ereignisse protokollieren',
  disableLegacyTls: 'Legacy-TLS-Versionen deaktivieren',
  enableSessionTicket: 'Sitzungsticket aktivieren',
  receiveWindow: 'Empfangsfenster',
  maxSettingsPerFrame: 'Max. Einstellungen pro Frame',
  maxSettingsPerMinute: 'Max. Einstellungen pro Minute',
};

const FR: Table = {
  certificateHash: 'Hachage du certificat',
  appId: "ID d'application",
  certStoreName: 'Nom du magasin de certificats',
  verifyClientCertRevocation: 'Vérifier la révocation des certificats clients',
  verifyRevocationWithCachedClientCertOnly:
    'Vérifier la révocation avec le certificat client mis en cache uniquement',
  usageCheck: "Vérification de l'utilisation",
  revocationFreshnessTime: "Délai d'actualisation de la révocation",
  urlRetrievalTimeout: "Délai d'expiration de récupération d'URL",
  sslCtlIdentifier: 'Identificateur CTL',
  sslCtlStoreName: 'Nom du magasin CTL',
  dsMapperUsage: 'Utilisation du mappeur DS',
  clientCertNegotiation: 'Négocier le certificat client',
  rejectConnections: 'Rejeter les connexions',
  disableHttp2: 'Désactiver HTTP2',
  disableQuic: 'Désactiver QUIC',
  disableTls12: 'Désactiver TLS1.2',
  disableTls13: 'Désactiver TLS1.3',
  disableOcspStapling: "Désactiver l'agrafage OCSP",
  enableTokenBinding: 'Activer la liaison de jeton',
  logExtendedEvents: 'Journaliser les événements étendus',
  disableLegacyTls: 'Désactiver les versions TLS héritées',
  enableSessionTicket: 'Activer le ticket de session',
  receiveWindow: 'Fenêtre de réception',
  maxSettingsPerFrame: 'Paramètres max. par trame',
  maxSettingsPerMinute: 'Paramètres max. par minute',
};

const TABLES: Readonly<Record<NetshLocale, Table>> = { en: EN, de: DE, fr: FR };

const ENDPOINTS: Readonly<Record<NetshLocale, Readonly<Record<NetshEndpointKind, string>>>> = {
  en: { ipport: 'IP:port', hostnameport: 'Hostname:port', ccs: 'Central Certificate Store' },
  de: { ipport: 'IP:Port', hostnameport: 'Hostname:Port', ccs: 'Zentraler Zertifikatspeicher' },
  fr: {
    ipport: 'IP:port',
    hostnameport: "Nom d'hôte:port",
    ccs: 'Magasin de certificats centralisé',
  },
};

const norm = normaliseLabel;
const NESTED = new Set<NetshField>([
  'receiveWindow',
  'maxSettingsPerFrame',
  'maxSettingsPerMinute',
]);
const LOCALES: readonly NetshLocale[] = ['en', 'de', 'fr'];

/** A label and the languages that print it (`IP:port` is English and French alike). */
export interface Labelled<T> {
  readonly value: T;
  readonly locales: readonly NetshLocale[];
}

function byLabel<T>(
  entries: readonly (readonly [string, T, NetshLocale])[],
): Map<string, Labelled<T>> {
  const map = new Map<string, { value: T; locales: NetshLocale[] }>();
  for (const [label, value, locale] of entries) {
    const key = norm(label);
    const seen = map.get(key);
    if (seen === undefined) map.set(key, { value, locales: [locale] });
    else seen.locales.push(locale);
  }
  return map;
}

/** Top-level field labels of every language. */
export const FIELD_LABELS: ReadonlyMap<string, Labelled<NetshField>> = byLabel(
  LOCALES.flatMap((l) =>
    (Object.entries(TABLES[l]) as [NetshField, string][])
      .filter(([f]) => !NESTED.has(f))
      .map(([f, label]) => [label, f, l] as const),
  ),
);

/** Labels inside an `Extended Properties:` block. */
export const NESTED_LABELS = {
  propertyId: new Set(['propertyid']),
  fields: new Map<string, NetshField>(
    LOCALES.flatMap((l) => [...NESTED].map((f) => [norm(TABLES[l][f]), f] as const)),
  ),
};

export const EXTENDED_HEADERS: ReadonlySet<string> = new Set([
  'extended properties',
  'erweiterte eigenschaften',
  'propriétés étendues',
]);

/** The endpoint line of a binding, and the languages that print its label. */
export const ENDPOINT_LABELS: ReadonlyMap<string, Labelled<NetshEndpointKind>> = byLabel(
  LOCALES.flatMap((locale) =>
    (Object.entries(ENDPOINTS[locale]) as [NetshEndpointKind, string][]).map(
      ([kind, label]) => [label, kind, locale] as const,
    ),
  ),
);

// Flag words: Enabled/Disabled for the classic flags, Set/Not Set for the newer ones, in every
// language read; German builds may print either the English or the German words.
export const FLAG_TRUE = /^(enabled|set|aktiviert|festgelegt|activé|défini)$/i;
export const FLAG_FALSE = /^(disabled|not set|deaktiviert|nicht festgelegt|désactivé|non défini)$/i;
