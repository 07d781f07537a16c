// The certificate being rolled out, as every layer names it: the leaf's SHA-256 (its identity,
// what the probe compares) and the Windows SHA-1 thumbprint (what the certificate store and
// netsh/IIS bindings name it by). The prepared bundle, the plan document, the steps and the
// rendered playbooks all carry this one shape.
export interface CertIdentity {
  /** Lowercase hex SHA-256 of the leaf's DER. */
  readonly sha256: string;
  /** Uppercase hex SHA-1 of the leaf's DER (Windows' thumbprint). */
  readonly thumbprint: string;
}

/** The identity with what a person reads in a preview: the leaf's expiry and subject. */
export interface CertSummary extends CertIdentity {
  /** The leaf's notAfter, as X509Certificate.validTo gives it. */
  readonly notAfter: string;
  readonly subject: string;
}
