/** The period a platform question covers, checked: real days, in order, a known time zone. */
import { InputProblems, isCalendarDate, isTimeZone } from '@platform/service-kit';

const MAX_PERIOD_DAYS = 366;

export function checkPeriod(args: { from: string; to: string; timeZone: string }): void {
  const problems = new InputProblems();
  // The Date scalar already refuses malformed days; the order and span are ours to check.
  if (isCalendarDate(args.from) && isCalendarDate(args.to)) {
    const days = (Date.parse(args.to) - Date.parse(args.from)) / 86_400_000 + 1;
    problems.add('to', days < 1 ? 'must not be before from' : null);
    problems.add('to', days > MAX_PERIOD_DAYS ? `must be at most ${MAX_PERIOD_DAYS} days after from` : null);
  }
  problems.add('timeZone', isTimeZone(args.timeZone) ? null : 'must be an IANA time zone such as Europe/Berlin');
  problems.throwIfAny();
}
