import { describe, expect, it } from 'vitest';
import { TelltaleConfigError } from '@telltale/core';
import { parseTimeIntervals, type TimeIntervalSpec } from '@telltale/alerts';

const at = (iso: string): number => Date.parse(iso);
const contains = (spec: TimeIntervalSpec | TimeIntervalSpec[], iso: string): boolean =>
  parseTimeIntervals({ interval: Array.isArray(spec) ? spec : [spec] }).contains('interval', at(iso));

const configError = (run: () => unknown): TelltaleConfigError => {
  try {
    run();
  } catch (error) {
    if (TelltaleConfigError.isConfigError(error)) return error;
    throw error;
  }
  throw new Error('expected a TelltaleConfigError');
};

describe('time interval matching (Alertmanager timeinterval semantics)', () => {
  it('times are start-inclusive, end-exclusive, read in UTC by default, and 24:00 ends the day', () => {
    const spec = { times: [{ start_time: '09:00', end_time: '17:00' }] };
    expect(contains(spec, '2026-03-02T08:59:59Z')).toBe(false);
    expect(contains(spec, '2026-03-02T09:00:00Z')).toBe(true);
    expect(contains(spec, '2026-03-02T16:59:59Z')).toBe(true);
    expect(contains(spec, '2026-03-02T17:00:00Z')).toBe(false);
    const evening = { times: [{ start_time: '22:30', end_time: '24:00' }] };
    expect(contains(evening, '2026-03-02T23:59:59Z')).toBe(true);
    expect(contains(evening, '2026-03-03T00:00:00Z')).toBe(false);
    expect(contains(evening, '2026-03-02T22:29:00Z')).toBe(false);
  });

  it('a spec without fields contains every time; an interval matches when any spec does', () => {
    expect(contains({}, '1999-12-31T23:59:59Z')).toBe(true);
    const twoSpecs = [{ weekdays: ['saturday', 'sunday'] }, { times: [{ start_time: '00:00', end_time: '06:00' }] }];
    expect(contains(twoSpecs, '2026-03-01T12:00:00Z')).toBe(true); // Sunday
    expect(contains(twoSpecs, '2026-03-02T05:00:00Z')).toBe(true); // Monday night
    expect(contains(twoSpecs, '2026-03-02T12:00:00Z')).toBe(false);
  });

  it('a spec matches only when every field it gives matches', () => {
    const spec: TimeIntervalSpec = {
      times: [{ start_time: '09:00', end_time: '17:00' }],
      weekdays: ['monday:friday'],
      months: ['march'],
      years: ['2026'],
    };
    expect(contains(spec, '2026-03-02T10:00:00Z')).toBe(true);
    expect(contains(spec, '2026-03-01T10:00:00Z')).toBe(false); // Sunday
    expect(contains(spec, '2026-04-01T10:00:00Z')).toBe(false); // April
    expect(contains(spec, '2027-03-01T10:00:00Z')).toBe(false); // 2027
    expect(contains(spec, '2026-03-02T18:00:00Z')).toBe(false); // evening
  });

  it('weekdays: names are case-insensitive, ranges inclusive, the week starts on Sunday', () => {
    const weekdays = { weekdays: ['Monday:Wednesday', 'friday'] };
    expect(contains(weekdays, '2026-03-01T12:00:00Z')).toBe(false); // Sunday
    expect(contains(weekdays, '2026-03-02T12:00:00Z')).toBe(true); // Monday
    expect(contains(weekdays, '2026-03-04T12:00:00Z')).toBe(true); // Wednesday
    expect(contains(weekdays, '2026-03-05T12:00:00Z')).toBe(false); // Thursday
    expect(contains(weekdays, '2026-03-06T12:00:00Z')).toBe(true); // Friday
    expect(contains({ weekdays: ['sunday:saturday'] }, '2026-03-07T12:00:00Z')).toBe(true);
  });

  it('days_of_month: negative days count from the month end, leap years included', () => {
    const lastDay = { days_of_month: ['-1'] };
    expect(contains(lastDay, '2024-02-29T12:00:00Z')).toBe(true); // leap year
    expect(contains(lastDay, '2024-02-28T12:00:00Z')).toBe(false);
    expect(contains(lastDay, '2023-02-28T12:00:00Z')).toBe(true);
    expect(contains(lastDay, '2026-04-30T12:00:00Z')).toBe(true);
    expect(contains(lastDay, '2026-03-31T00:00:00Z')).toBe(true);
    const lastThree = { days_of_month: ['-3:-1'] };
    expect(contains(lastThree, '2024-02-27T00:00:00Z')).toBe(true);
    expect(contains(lastThree, '2024-02-26T23:59:00Z')).toBe(false);
    expect(contains(lastThree, '2023-02-26T00:00:00Z')).toBe(true);
    const firstFive = { days_of_month: ['1:5', 10] };
    expect(contains(firstFive, '2026-03-05T23:59:00Z')).toBe(true);
    expect(contains(firstFive, '2026-03-06T00:00:00Z')).toBe(false);
    expect(contains(firstFive, '2026-03-10T00:00:00Z')).toBe(true);
    const fromSecondToLast = { days_of_month: ['2:-1'] };
    expect(contains(fromSecondToLast, '2026-02-28T00:00:00Z')).toBe(true);
    expect(contains(fromSecondToLast, '2026-02-01T00:00:00Z')).toBe(false);
  });

  it('days_of_month beyond a short month: a start past its end never matches, an end past it is clamped', () => {
    expect(contains({ days_of_month: ['31'] }, '2026-04-30T12:00:00Z')).toBe(false);
    expect(contains({ days_of_month: ['30:31'] }, '2023-02-28T12:00:00Z')).toBe(false);
    expect(contains({ days_of_month: ['28:31'] }, '2023-02-28T12:00:00Z')).toBe(true);
    // In a 30-day month -31:-30 is days 0 to 1: only the 1st.
    expect(contains({ days_of_month: ['-31:-30'] }, '2026-04-01T12:00:00Z')).toBe(true);
    expect(contains({ days_of_month: ['-31:-30'] }, '2026-04-02T12:00:00Z')).toBe(false);
  });

  it('months by name or number, ranges inclusive; years with ranges', () => {
    expect(contains({ months: ['1:3'] }, '2026-03-31T23:59:00Z')).toBe(true);
    expect(contains({ months: ['january:march'] }, '2026-04-01T00:00:00Z')).toBe(false);
    expect(contains({ months: ['December', 6] }, '2026-06-15T00:00:00Z')).toBe(true);
    expect(contains({ years: ['2025:2026'] }, '2026-12-31T23:59:00Z')).toBe(true);
    expect(contains({ years: ['2025:2026'] }, '2027-01-01T00:00:00Z')).toBe(false);
    expect(contains({ years: [2024] }, '2024-06-01T00:00:00Z')).toBe(true);
  });

  it('a given but empty field matches nothing, as in Alertmanager', () => {
    expect(contains({ weekdays: [] }, '2026-03-02T12:00:00Z')).toBe(false);
  });

  it('reads every field in its location, across the Europe/Berlin spring DST change', () => {
    const office = {
      weekdays: ['monday:friday'],
      times: [{ start_time: '09:00', end_time: '17:00' }],
      location: 'Europe/Berlin',
    };
    // Friday 27 March 2026 is CET (UTC+1): 09:00 local is 08:00Z.
    expect(contains(office, '2026-03-27T07:59:00Z')).toBe(false);
    expect(contains(office, '2026-03-27T08:00:00Z')).toBe(true);
    expect(contains(office, '2026-03-27T15:59:00Z')).toBe(true);
    expect(contains(office, '2026-03-27T16:00:00Z')).toBe(false);
    // Monday 30 March 2026 is CEST (UTC+2) after the change on Sunday 29 March: 09:00 local is 07:00Z.
    expect(contains(office, '2026-03-30T06:59:00Z')).toBe(false);
    expect(contains(office, '2026-03-30T07:00:00Z')).toBe(true);
    expect(contains(office, '2026-03-30T14:59:00Z')).toBe(true);
    expect(contains(office, '2026-03-30T15:00:00Z')).toBe(false);
    // 02:00-03:00 does not exist in Berlin on 29 March 2026: clocks jump from 02:00 CET to 03:00 CEST.
    const skipped = { times: [{ start_time: '02:00', end_time: '03:00' }], location: 'Europe/Berlin' };
    expect(contains(skipped, '2026-03-29T00:59:59Z')).toBe(false);
    expect(contains(skipped, '2026-03-29T01:00:00Z')).toBe(false);
    expect(contains(skipped, '2026-03-28T01:30:00Z')).toBe(true);
    // Local midnight is minute 0 (10 past midnight CET is 23:10Z the day before).
    const afterMidnight = { times: [{ start_time: '00:00', end_time: '00:30' }], location: 'Europe/Berlin' };
    expect(contains(afterMidnight, '2026-03-02T23:10:00Z')).toBe(true);
    expect(contains(afterMidnight, '2026-03-02T22:50:00Z')).toBe(false);
    expect(contains({ days_of_month: ['3'], location: 'Europe/Berlin' }, '2026-03-02T23:10:00Z')).toBe(true);
    // 31 March is the last day of March in Berlin (calendar days, also in the month of the change).
    expect(contains({ days_of_month: ['-1'], location: 'Europe/Berlin' }, '2026-03-30T22:30:00Z')).toBe(true);
    expect(contains({ days_of_month: ['-1'], location: 'Europe/Berlin' }, '2026-03-30T21:30:00Z')).toBe(false);
  });

  it('weekday, day, month and year roll over with the time zone', () => {
    // 2026-12-31T23:30Z is already Friday 1 January 2027 in Tokyo and still Thursday in New York.
    const time = '2026-12-31T23:30:00Z';
    expect(contains({ years: ['2027'], location: 'Asia/Tokyo' }, time)).toBe(true);
    expect(contains({ days_of_month: ['1'], months: ['january'], location: 'Asia/Tokyo' }, time)).toBe(true);
    expect(contains({ weekdays: ['friday'], location: 'Asia/Tokyo' }, time)).toBe(true);
    expect(contains({ weekdays: ['thursday'], location: 'America/New_York' }, time)).toBe(true);
    expect(contains({ years: ['2027'] }, time)).toBe(false);
    // A half-hour offset: 09:00 in Kolkata (UTC+5:30) is 03:30Z.
    const kolkata = { times: [{ start_time: '09:00', end_time: '09:30' }], location: 'Asia/Kolkata' };
    expect(contains(kolkata, '2026-03-02T03:29:00Z')).toBe(false);
    expect(contains(kolkata, '2026-03-02T03:30:00Z')).toBe(true);
  });

  it('accepts Alertmanager list form and the legacy section; matching() lists the containing names', () => {
    const intervals = parseTimeIntervals(
      [{ name: 'weekends', time_intervals: [{ weekdays: ['saturday', 'sunday'] }] }],
      { legacy: [{ name: 'march', time_intervals: [{ months: ['march'] }] }] },
    );
    expect([...intervals.names]).toEqual(['march', 'weekends']);
    expect(intervals.matching(['weekends', 'march'], at('2026-03-01T00:00:00Z'))).toEqual(['weekends', 'march']);
    expect(intervals.matching(['weekends', 'march'], new Date('2026-03-02T00:00:00Z'))).toEqual(['march']);
    expect(() => intervals.contains('nope', 0)).toThrow(/Unknown time interval/);
  });
});

describe('time interval validation', () => {
  const cases: [unknown, string, RegExp][] = [
    [
      { business_hours: [{ times: [{ start_time: '9:00', end_time: '17:00' }] }] },
      'timeIntervals.business_hours[0].times[0].start_time',
      /HH:MM/,
    ],
    [
      { business_hours: [{ times: [{ start_time: '09:00', end_time: '24:01' }] }] },
      'timeIntervals.business_hours[0].times[0].end_time',
      /HH:MM/,
    ],
    [
      { business_hours: [{ times: [{ start_time: '17:00', end_time: '09:00' }] }] },
      'timeIntervals.business_hours[0].times[0].end_time',
      /after start_time/,
    ],
    [
      { business_hours: [{ times: [{ start_time: '09:00' }] }] },
      'timeIntervals.business_hours[0].times[0].end_time',
      /HH:MM/,
    ],
    [{ weekend: [{ weekdays: ['saturday:sunday'] }] }, 'timeIntervals.weekend[0].weekdays[0]', /starts on sunday/],
    [{ weekend: [{ weekdays: ['funday'] }] }, 'timeIntervals.weekend[0].weekdays[0]', /weekday name/],
    [{ weekend: [{ weekdays: ['monday:tuesday:friday'] }] }, 'timeIntervals.weekend[0].weekdays[0]', /range/],
    [{ days: [{ days_of_month: ['0'] }] }, 'timeIntervals.days[0].days_of_month[0]', /1 to 31/],
    [{ days: [{ days_of_month: ['32'] }] }, 'timeIntervals.days[0].days_of_month[0]', /1 to 31/],
    [{ days: [{ days_of_month: ['-3:5'] }] }, 'timeIntervals.days[0].days_of_month[0]', /negative end/],
    [{ days: [{ days_of_month: ['10:5'] }] }, 'timeIntervals.days[0].days_of_month[0]', /end is not always before/],
    [{ days: [{ days_of_month: ['-1:-3'] }] }, 'timeIntervals.days[0].days_of_month[0]', /end is not always before/],
    [{ months: [{ months: ['13'] }] }, 'timeIntervals.months[0].months[0]', /1 \(january\) to 12/],
    [{ months: [{ months: ['june:march'] }] }, 'timeIntervals.months[0].months[0]', /start is not after/],
    [{ years: [{ years: ['2027:2026'] }] }, 'timeIntervals.years[0].years[0]', /start is not after/],
    [{ zone: [{ location: 'Mars/Olympus' }] }, 'timeIntervals.zone[0].location', /IANA/],
    [{ typo: [{ weekday: ['monday'] }] }, 'timeIntervals.typo[0].weekday', /no such field/],
    [{ notList: { weekdays: ['monday'] } }, 'timeIntervals.notList', /array of time interval specs/],
    [[{ name: '', time_intervals: [] }], 'timeIntervals[0].name', /non-empty/],
    [[{ name: 'a', time_intervals: [{ years: ['x'] }] }], 'timeIntervals[0].time_intervals[0].years[0]', /year/],
  ];
  it.each(cases)('rejects %j at %s', (input, option, expected) => {
    const error = configError(() => parseTimeIntervals(input as never));
    expect(error.option).toBe(option);
    expect(error.expected).toMatch(expected);
  });

  it('rejects a name defined in both sections', () => {
    const error = configError(() =>
      parseTimeIntervals({ night: [{}] }, { legacy: [{ name: 'night', time_intervals: [{}] }] }),
    );
    expect(error.option).toBe('timeIntervals');
    expect(error.expected).toMatch(/unique/);
  });

  it('accepts 24:00, Local and UTC', () => {
    expect(() =>
      parseTimeIntervals({
        a: [{ times: [{ start_time: '00:00', end_time: '24:00' }], location: 'Local' }, { location: 'UTC' }],
      }),
    ).not.toThrow();
  });
});
