/**
 * Quiet hours: a daily window of local wall-clock time in the user's IANA time zone during
 * which non-critical mail waits. Critical mail is never held.
 */

export interface QuietHours {
  /** `HH:MM`, local. */
  start: string;
  /** `HH:MM`, local; before `start` when the window spans midnight. */
  end: string;
  timeZone: string;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isTimeOfDay(value: string): boolean {
  return HH_MM.test(value);
}

function minutesOf(value: string): number {
  const [hours, minutes] = value.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** Minutes past local midnight of `at` in `timeZone`. */
function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone })
    .formatToParts(at)
    .reduce<Record<string, string>>((all, part) => ({ ...all, [part.type]: part.value }), {});
  return Number(parts.hour) * 60 + Number(parts.minute);
}

/**
 * When mail created at `now` may go: `now` outside the window, else the window's end. The end
 * is counted in local minutes from now, so a DST change inside the window moves it by the shift.
 */
export function releaseTime(quiet: QuietHours | null, now: Date): Date {
  if (!quiet) return now;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const current = localMinutes(now, quiet.timeZone);
  const inside = start < end ? current >= start && current < end : current >= start || current < end;
  if (!inside) return now;
  const wait = (end - current + 24 * 60) % (24 * 60);
  const release = new Date(now.getTime() + wait * 60_000);
  release.setUTCSeconds(0, 0);
  return release;
}
