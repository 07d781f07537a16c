import { type X509Certificate } from 'node:crypto';
import { type Check } from './check.js';
import { notAfter, notBefore } from './validity.js';

const DAY = 86_400_000;

/** expired, not-yet-valid and expires-soon, judged at `now`. */
export function validity(leaf: X509Certificate, now: Date, minDays: number): Check[] {
  const from = notBefore(leaf);
  const to = notAfter(leaf);
  const daysLeft = Math.floor((to.getTime() - now.getTime()) / DAY);
  const expired = to.getTime() <= now.getTime();
  return [
    {
      id: 'expired',
      ok: !expired,
      severity: 'error',
      message: expired
        ? `the certificate expired on ${to.toISOString()}`
        : `valid until ${to.toISOString()}`,
    },
    {
      id: 'not-yet-valid',
      ok: from.getTime() <= now.getTime(),
      severity: 'error',
      message:
        from.getTime() > now.getTime()
          ? `the certificate is not valid before ${from.toISOString()}`
          : `valid since ${from.toISOString()}`,
    },
    {
      id: 'expires-soon',
      ok: expired || daysLeft >= minDays,
      severity: 'error',
      message: expired
        ? 'already expired (see expired)'
        : daysLeft < minDays
          ? `the certificate expires in ${daysLeft} days, fewer than the required ${minDays} (--min-days)`
          : `${daysLeft} days left (at least ${minDays} required)`,
    },
  ];
}
