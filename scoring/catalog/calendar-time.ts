/** Local wall-clock times in IANA zones, without a time-zone library: Intl knows every zone. */

/** True when `timeZone` is an IANA zone name this runtime knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Epoch ms of a wall-clock `YYYY-MM-DD[ HH:MM:SS]` (space or `T`) in `timeZone`; a sentence instead
 *  when the text is not such a time. During a DST gap the later offset wins. */
export function zonedTimeToMs(text: string, timeZone: string): number | string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  const fields = m ? m.slice(1).map((f) => Number(f ?? 0)) : [];
  const [y, mo, d, h, mi, s] = fields as [number, number, number, number, number, number];
  const wall = m ? Date.UTC(y, mo - 1, d, h, mi, s) : Number.NaN;
  const back = new Date(wall);
  // Date.UTC rolls 2021-02-30 over to March; a round trip catches it.
  if (!m || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return `must be a local time like "2022-01-01 00:00:00" (no zone; timeZone says which) (got ${JSON.stringify(text)})`;
  }
  const first = wall - offsetMs(wall, timeZone);
  const second = wall - offsetMs(first, timeZone);
  return second;
}

/** Offset of `timeZone` from UTC at instant `utcMs`, ms (positive east of Greenwich). */
function offsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}
