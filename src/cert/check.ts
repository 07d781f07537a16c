/** The name of each check of the certificate gate. */
export type CheckId =
  | 'expired'
  | 'not-yet-valid'
  | 'expires-soon'
  | 'key-mismatch'
  | 'chain-trust'
  | 'chain-order'
  | 'leaf-is-ca'
  | 'server-auth'
  | 'key-strength'
  | 'weak-signature'
  | 'name-coverage';

export interface Check {
  readonly id: CheckId;
  readonly ok: boolean;
  /** An error fails the gate; a warning is shown and does not. */
  readonly severity: 'error' | 'warning';
  readonly message: string;
}
