// Discovery's vocabulary: what a host listens on, what its services are configured to load, what
// each port serves, and how that compares with the inventory.

/** A listening TCP socket as ss or /proc/net/tcp report it. */
export interface Listener {
  /** Local address as printed (`0.0.0.0`, `::`, `127.0.0.1`, `10.0.0.5`). */
  readonly address: string;
  readonly port: number;
  /** Process name when ss -p knows it. */
  readonly process?: string;
  /** Every process that holds the socket (nginx master and workers), when ss -p knows them. */
  readonly pids?: readonly number[];
}

export type ConfigSource = 'nginx' | 'haproxy' | 'netsh' | 'iis' | 'bc';

/** A TLS endpoint a service's configuration declares, with the certificate it loads. */
export interface ConfiguredEndpoint {
  readonly source: ConfigSource;
  /** Listen address; null when the service listens on every address. */
  readonly address: string | null;
  readonly port: number;
  /** Names the endpoint answers to (nginx server_name, netsh hostnameport); empty: any. */
  readonly names: readonly string[];
  /** Certificate file the service loads (nginx, haproxy). */
  readonly certFile?: string;
  /** Its private key file, where the configuration names one apart (nginx). */
  readonly keyFile?: string;
  /** The configuration file that declares it (haproxy). */
  readonly configFile?: string;
  /** Windows thumbprint (SHA-1, uppercase hex) the binding names. */
  readonly thumbprint?: string;
  /** Service instance or site, for messages (`BC210`, `Default Web Site`). */
  readonly instance?: string;
}

/** A certificate as discovery knows it: from a file on the host or from a handshake. */
export interface CertFacts {
  readonly sha256: string;
  readonly thumbprint?: string;
  readonly subject?: string;
  readonly notAfterMs?: number;
  readonly notAfter?: string;
}

/** What the scripts on one host read: its listeners, the endpoints its configuration names. */
export interface ConfigFacts {
  readonly listeners: Listener[];
  readonly configured: (ConfiguredEndpoint & { cert?: CertFacts })[];
  readonly notes: string[];
}

/** What one handshake to a listening port saw. */
export interface Served {
  readonly sni: string | null;
  readonly cert: CertFacts;
}

/** One `address:port` of a host (plus an SNI name when only that name differs). */
export interface HostEndpoint {
  readonly address: string;
  readonly port: number;
  readonly sni?: string;
  readonly served: readonly Served[];
  readonly configured: readonly (ConfiguredEndpoint & { readonly cert?: CertFacts })[];
  /** Process that listens, when known. */
  readonly process?: string;
}

export type Coverage =
  | { readonly kind: 'binding'; readonly binding: string }
  | { readonly kind: 'excluded'; readonly reason: string }
  | { readonly kind: 'uncovered' };

export interface EndpointReport extends HostEndpoint {
  readonly coverage: Coverage;
  /** Served or configured with one of the old certificates. */
  readonly old: boolean;
  /** Problems of configured versus served (second outage): each a sentence. */
  readonly findings: readonly Finding[];
  /**
   * An excluded endpoint that loads the same certificate file as this binding (its id): the
   * binding's change would change it too, breaking the exclusion.
   */
  readonly sharesFileWith?: string;
}

export interface Finding {
  readonly severity: 'WARNING' | 'CRITICAL';
  readonly message: string;
}

export interface HostDiscovery {
  readonly env: string;
  readonly host: string;
  readonly address: string;
  readonly endpoints: readonly EndpointReport[];
  /** Things discovery could not do on this host (no ss, nginx -T failed ...), each a sentence. */
  readonly notes: readonly string[];
  /** Set when the host could not be reached at all. */
  readonly error?: string;
}
