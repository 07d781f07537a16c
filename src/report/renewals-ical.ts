// The renewal plan as an iCalendar feed a team calendar subscribes to: one all-day event per
// certificate on its renewal date, naming every endpoint that serves it, with its expiry; the
// event's UID is the certificate's fingerprint, so a calendar updates it in place on each export.
import ical from 'ical-generator';
import { endpointName, type RenewalPlan } from './renewals.js';

export function renderRenewalsIcal(plan: RenewalPlan): string {
  const cal = ical({ name: 'certroll: certificate renewals', prodId: '//certroll//renewals//EN' });
  for (const c of plan.certificates) {
    const day = new Date(`${c.renewOn.slice(0, 10)}T00:00:00Z`);
    const subject = c.subject.replace(/\n/g, ', ');
    cal.createEvent({
      id: `${c.sha256}@certroll`,
      start: day,
      allDay: true,
      stamp: new Date(plan.generatedAt),
      summary: `Renew certificate ${subject} (expires ${c.notAfter.slice(0, 10)})`,
      description: [
        `SHA-256 ${c.sha256}`,
        `Expires ${c.notAfter}; renewal at ${plan.policy}.`,
        `Names: ${c.sans.join(', ') || '(none)'}`,
        `Served at ${c.endpoints.length} endpoint(s):`,
        ...c.endpoints.map((e) => `- ${endpointName(e)}`),
        '',
        'Plan it with: certroll plan -i INVENTORY --cert NEW-BUNDLE',
      ].join('\n'),
    });
  }
  return cal.toString();
}
