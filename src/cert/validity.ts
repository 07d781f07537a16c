import { type X509Certificate } from 'node:crypto';

// validFromDate/validToDate arrived in Node 22.10; older runtimes only have the strings.
export function notBefore(cert: X509Certificate): Date {
  const date: Date | undefined = cert.validFromDate;
  return date ?? new Date(cert.validFrom);
}

export function notAfter(cert: X509Certificate): Date {
  const date: Date | undefined = cert.validToDate;
  return date ?? new Date(cert.validTo);
}
