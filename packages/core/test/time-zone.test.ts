import { describe, expect, it } from 'vitest';
import { TelltaleConfigError, timeZoneOption, zonedTime } from '@telltale/core';

describe('time zones', () => {
  it('reads the wall clock across a DST change and in half-hour zones', () => {
    // Berlin springs forward at 01:00 UTC on 29 March 2026: 00:59 UTC is 01:59 CET, 01:00 UTC is 03:00 CEST.
    expect(zonedTime(Date.UTC(2026, 2, 29, 0, 59), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 3,
      day: 29,
      hour: 1,
      minute: 59,
      weekday: 0,
    });
    expect(zonedTime(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Berlin')).toMatchObject({ hour: 3, minute: 0 });
    expect(zonedTime(Date.UTC(2026, 0, 15, 18, 45), 'Asia/Kolkata')).toMatchObject({
      day: 16,
      hour: 0,
      minute: 15,
      weekday: 5,
    });
    // Midnight is hour 0, not 24.
    expect(zonedTime(Date.UTC(2026, 5, 1, 4, 0), 'America/New_York')).toMatchObject({ day: 1, hour: 0 });
    expect(zonedTime(Date.UTC(2024, 1, 29, 23, 59), 'UTC')).toEqual({
      year: 2024,
      month: 2,
      day: 29,
      hour: 23,
      minute: 59,
      weekday: 4,
    });
  });

  it('validates zone options, naming the option', () => {
    expect(timeZoneOption('tz', undefined)).toBe('UTC');
    expect(timeZoneOption('tz', 'Asia/Tokyo')).toBe('Asia/Tokyo');
    for (const bad of ['Mars/Olympus', '', 7]) {
      expect(() => timeZoneOption('recipients.ana.timezone', bad)).toThrow(TelltaleConfigError);
      expect(() => timeZoneOption('recipients.ana.timezone', bad)).toThrow(
        expect.objectContaining({
          code: 'TELLTALE_CONFIG',
          message: expect.stringMatching(/recipients\.ana\.timezone.*IANA/),
        }),
      );
    }
  });
});
