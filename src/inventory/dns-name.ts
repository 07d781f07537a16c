// A DNS name as the inventory accepts one (RFC 1123 labels, ASCII), without zod: `certroll scan
// --endpoint` checks its one name with it before deciding whether to load the inventory parser.
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export function isDnsName(s: string): boolean {
  if (s.length > 253) return false;
  const labels = s.split('.');
  // An all-numeric last label would make 999.1.1.1 a "name"; RFC 3696 rules it out.
  return labels.every((l) => LABEL.test(l)) && !/^[0-9]+$/.test(labels[labels.length - 1] ?? '');
}
