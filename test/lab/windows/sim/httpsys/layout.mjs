// What `netsh http show sslcert` prints, per Windows Server build and display language: the fields
// in order, their labels, and the words for flag values. The sources (recorded or inferred) are
// named in test/fixtures/windows/README.md; the fixtures there are this module's reference output.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUILDS = ['2012r2', '2016', '2019', '2022'];
export const LOCALES = ['en', 'de', 'fr'];

const BASE = [
  'certhash',
  'appid',
  'certstorename',
  'verifyclientcertrevocation',
  'verifyrevocationwithcachedclientcertonly',
  'usagecheck',
  'revocationfreshnesstime',
  'urlretrievaltimeout',
  'sslctlidentifier',
  'sslctlstorename',
  'dsmapperusage',
  'clientcertnegotiation',
];

/** The fields each build prints after the endpoint, in order (netsh argument names). */
export const LAYOUTS = {
  '2012r2': BASE,
  2016: [...BASE, 'reject', 'disablehttp2'],
  2019: [
    ...BASE,
    'reject',
    'disablehttp2',
    'disablequic',
    'disabletls12',
    'disabletls13',
    'disableocspstapling',
    'disablelegacytls',
  ],
  2022: [
    ...BASE,
    'reject',
    'disablehttp2',
    'disablequic',
    'disabletls12',
    'disabletls13',
    'disableocspstapling',
    'enabletokenbinding',
    'logextendedevents',
    'disablelegacytls',
    'enablesessionticket',
  ],
};

/** Builds that print the HTTP/2 extended properties block after the flags. */
export const EXTENDED_PROPERTIES = new Set(['2022']);

/** Flags printed Enabled/Disabled; every other enable|disable flag is printed Set/Not Set. */
export const ON_OFF = new Set([
  'verifyclientcertrevocation',
  'verifyrevocationwithcachedclientcertonly',
  'usagecheck',
  'dsmapperusage',
  'clientcertnegotiation',
  'reject',
]);

export const LABELS = {
  en: {
    header: 'SSL Certificate bindings:',
    ipport: 'IP:port',
    hostnameport: 'Hostname:port',
    ccs: 'Central Certificate Store',
    certhash: 'Certificate Hash',
    appid: 'Application ID',
    certstorename: 'Certificate Store Name',
    verifyclientcertrevocation: 'Verify Client Certificate Revocation',
    verifyrevocationwithcachedclientcertonly:
      'Verify Revocation Using Cached Client Certificate Only',
    usagecheck: 'Usage Check',
    revocationfreshnesstime: 'Revocation Freshness Time',
    urlretrievaltimeout: 'URL Retrieval Timeout',
    sslctlidentifier: 'Ctl Identifier',
    sslctlstorename: 'Ctl Store Name',
    dsmapperusage: 'DS Mapper Usage',
    clientcertnegotiation: 'Negotiate Client Certificate',
    reject: 'Reject Connections',
    disablehttp2: 'Disable HTTP2',
    disablequic: 'Disable QUIC',
    disabletls12: 'Disable TLS1.2',
    disabletls13: 'Disable TLS1.3',
    disableocspstapling: 'Disable OCSP Stapling',
    enabletokenbinding: 'Enable Token Binding',
    logextendedevents: 'Log Extended Events',
    disablelegacytls: 'Disable Legacy TLS Versions',
    enablesessionticket: 'Enable Session Ticket',
    extended: 'Extended Properties:',
    propertyid: 'PropertyId',
    receivewindow: 'Receive Window',
    maxsettingsperframe: 'Max Settings Per Frame',
    maxsettingsperminute: 'Max Settings Per Minute',
    values: { enable: 'Enabled', disable: 'Disabled', set: 'Set', notset: 'Not Set' },
  },
  de: {
    header: 'SSL-Zertifikatbindungen:',
    ipport: 'IP:Port',
    hostnameport: 'Hostname:Port',
    ccs: 'Zentraler Zertifikatspeicher',
    certhash: 'Zertifikathash',
    appid: 'Anwendungs-ID',
    certstorename: 'Zertifikatspeichername',
    verifyclientcertrevocation: 'Clientzertifikatsperrung überprüfen',
    verifyrevocationwithcachedclientcertonly:
      'Sperrung nur mit zwischengespeichertem Clientzertifikat überprüfen',
    usagecheck: 'Verwendungsüberprüfung',
    revocationfreshnesstime: 'Aktualitätszeit für Sperrung',
    urlretrievaltimeout: 'Zeitlimit für URL-Abruf',
    sslctlidentifier: 'Ctl-ID',
    sslctlstorename: 'Ctl-Speichername',
    dsmapperusage: 'DS-Zuordnungsverwendung',
    clientcertnegotiation: 'Clientzertifikat aushandeln',
    reject: 'Verbindungen ablehnen',
    disablehttp2: 'HTTP2 deaktivieren',
    disablequic: 'QUIC deaktivieren',
    disabletls12: 'TLS1.2 deaktivieren',
    disabletls13: 'TLS1.3 deaktivieren',
    disableocspstapling: 'OCSP-Stapling deaktivieren',
    enabletokenbinding: 'Tokenbindung aktivieren',
    logextendedevents: 'Erweiterte Ereignisse protokollieren',
    disablelegacytls: 'Legacy-TLS-Versionen deaktivieren',
    enablesessionticket: 'Sitzungsticket aktivieren',
    extended: 'Erweiterte Eigenschaften:',
    propertyid: 'PropertyId',
    receivewindow: 'Empfangsfenster',
    maxsettingsperframe: 'Max. Einstellungen pro Frame',
    maxsettingsperminute: 'Max. Einstellungen pro Minute',
    values: {
      enable: 'Aktiviert',
      disable: 'Deaktiviert',
      set: 'Festgelegt',
      notset: 'Nicht festgelegt',
    },
  },
  fr: {
    header: 'Liaisons de certificat SSL :',
    ipport: 'IP:port',
    hostnameport: "Nom d'hôte:port",
    ccs: 'Magasin de certificats centralisé',
    certhash: 'Hachage du certificat',
    appid: "ID d'application",
    certstorename: 'Nom du magasin de certificats',
    verifyclientcertrevocation: 'Vérifier la révocation des certificats clients',
    verifyrevocationwithcachedclientcertonly:
      'Vérifier la révocation avec le certificat client mis en cache uniquement',
    usagecheck: "Vérification de l'utilisation",
    revocationfreshnesstime: "Délai d'actualisation de la révocation",
    urlretrievaltimeout: "Délai d'expiration de récupération d'URL",
    sslctlidentifier: 'Identificateur CTL',
    sslctlstorename: 'Nom du magasin CTL',
    dsmapperusage: 'Utilisation du mappeur DS',
    clientcertnegotiation: 'Négocier le certificat client',
    reject: 'Rejeter les connexions',
    disablehttp2: 'Désactiver HTTP2',
    disablequic: 'Désactiver QUIC',
    disabletls12: 'Désactiver TLS1.2',
    disabletls13: 'Désactiver TLS1.3',
    disableocspstapling: "Désactiver l'agrafage OCSP",
    enabletokenbinding: 'Activer la liaison de jeton',
    logextendedevents: 'Journaliser les événements étendus',
    disablelegacytls: 'Désactiver les versions TLS héritées',
    enablesessionticket: 'Activer le ticket de session',
    extended: 'Propriétés étendues :',
    propertyid: 'PropertyId',
    receivewindow: 'Fenêtre de réception',
    maxsettingsperframe: 'Paramètres max. par trame',
    maxsettingsperminute: 'Paramètres max. par minute',
    values: { enable: 'Activé', disable: 'Désactivé', set: 'Défini', notset: 'Non défini' },
  },
};

/** Windows' system messages for the error numbers netsh reports here. */
export const MESSAGES = {
  en: {
    2: 'The system cannot find the file specified.',
    5: 'Access is denied.',
    87: 'The parameter is incorrect.',
    183: 'Cannot create a file when that file already exists.',
    1312: 'A specified logon session does not exist. It may already have been terminated.',
    add: 'SSL Certificate add failed, Error: %d',
    update: 'SSL Certificate update failed, Error: %d',
    delete: 'SSL Certificate deletion failed, Error: %d',
    ok: {
      add: 'SSL Certificate successfully added',
      update: 'SSL Certificate successfully updated',
      delete: 'SSL Certificate successfully deleted',
    },
    notFoundCommand: 'The following command was not found: %s.',
  },
  de: {
    2: 'Das System kann die angegebene Datei nicht finden.',
    5: 'Zugriff verweigert',
    87: 'Falscher Parameter.',
    183: 'Eine Datei kann nicht erstellt werden, wenn sie bereits vorhanden ist.',
    1312: 'Eine angegebene Anmeldesitzung ist nicht vorhanden. Sie wurde gegebenenfalls bereits beendet.',
    add: 'Fehler beim Hinzufügen des SSL-Zertifikats. Fehler: %d',
    update: 'Fehler beim Aktualisieren des SSL-Zertifikats. Fehler: %d',
    delete: 'Fehler beim Löschen des SSL-Zertifikats. Fehler: %d',
    ok: {
      add: 'Das SSL-Zertifikat wurde erfolgreich hinzugefügt.',
      update: 'Das SSL-Zertifikat wurde erfolgreich aktualisiert.',
      delete: 'Das SSL-Zertifikat wurde erfolgreich gelöscht.',
    },
    notFoundCommand: 'Der folgende Befehl wurde nicht gefunden: %s.',
  },
  fr: {
    2: 'Le fichier spécifié est introuvable.',
    5: 'Accès refusé.',
    87: 'Paramètre incorrect.',
    183: 'Impossible de créer un fichier déjà existant.',
    1312: "Une session ouverte spécifiée n'existe pas. Elle est peut-être déjà terminée.",
    add: "Échec de l'ajout du certificat SSL, erreur : %d",
    update: 'Échec de la mise à jour du certificat SSL, erreur : %d',
    delete: 'Échec de la suppression du certificat SSL, erreur : %d',
    ok: {
      add: 'Ajout du certificat SSL réussi',
      update: 'Mise à jour du certificat SSL réussie',
      delete: 'Suppression du certificat SSL réussie',
    },
    notFoundCommand: 'La commande suivante est introuvable : %s.',
  },
};

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/windows');

/** The usage text of `netsh http add sslcert` on a build, as recorded in the fixtures. */
export function usageText(build) {
  return readFileSync(join(FIXTURES, `netsh-usage-add-sslcert-${build}.txt`), 'utf8');
}

/** The argument names the usage block of a build lists (`tag=` from `Usage:` to its first blank line). */
export function usageTags(build) {
  const lines = usageText(build).split(/\r?\n/);
  const start = lines.findIndex((l) => /^\s*Usage:/.test(l));
  const block = [];
  for (const line of lines.slice(start)) {
    if (block.length > 0 && line.trim() === '') break;
    block.push(line);
  }
  return new Set([...block.join(' ').matchAll(/([a-z0-9]+)=/g)].map((m) => m[1]));
}

const pad = (label, width) => (label.length >= width ? label : label.padEnd(width));

/** One binding as `show sslcert` prints it on this build and language (lines, no line ends). */
export function renderBinding(b, build, locale) {
  const L = LABELS[locale];
  const v = L.values;
  const line = (label, value) => `    ${pad(label, 28)} : ${value}`;
  const out = [line(L[b.type], b.endpoint)];
  for (const arg of LAYOUTS[build]) {
    const raw = b[arg];
    let value;
    if (arg === 'certhash') value = raw ? String(raw).toLowerCase() : '(null)';
    // http.sys keeps the appid as a GUID; netsh prints it in braces, lower case, however given.
    else if (arg === 'appid' && raw) value = `{${String(raw).replace(/[{}]/g, '').toLowerCase()}}`;
    else if (
      arg === 'appid' ||
      arg === 'certstorename' ||
      arg === 'sslctlidentifier' ||
      arg === 'sslctlstorename'
    )
      value = raw === null || raw === undefined || raw === '' ? '(null)' : String(raw);
    else if (arg === 'revocationfreshnesstime' || arg === 'urlretrievaltimeout')
      value = String(raw ?? 0);
    else if (ON_OFF.has(arg)) value = raw === 'enable' ? v.enable : v.disable;
    else value = raw === 'enable' ? v.set : v.notset;
    out.push(line(L[arg], value));
  }
  if (EXTENDED_PROPERTIES.has(build)) {
    const nested = (label, value) => `        ${pad(label, 24)} : ${value}`;
    out.push(
      `    ${L.extended}`,
      nested(L.propertyid, 0),
      nested(L.receivewindow, b.receivewindow),
    );
    out.push(`    ${L.extended}`, nested(L.propertyid, 1));
    out.push(nested(L.maxsettingsperframe, b.maxsettingsperframe));
    out.push(nested(L.maxsettingsperminute, b.maxsettingsperminute));
  }
  return out;
}

/** The whole `show sslcert` text (LF line ends; netsh.exe turns them into CRLF). */
export function renderShow(bindings, build, locale) {
  const order = { ipport: 0, hostnameport: 1, ccs: 2 };
  const sorted = [...bindings].sort((a, b) => order[a.type] - order[b.type]);
  const blocks = sorted.map((b) => `${renderBinding(b, build, locale).join('\n')}\n\n`);
  return `\n${LABELS[locale].header}\n-------------------------\n\n${blocks.join('')}\n`;
}
