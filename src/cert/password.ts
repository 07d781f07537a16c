/** Where a password comes from; it is never a command-line value (it would show in `ps`). */
export const passwordHint =
  'Give the password with --password-file FILE or --password-env VARIABLE.';
