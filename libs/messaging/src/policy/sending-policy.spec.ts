import { parseFrequencyCapRules, parseQuietHours } from '@kizuna/config';
import { SendingPolicy, type PolicyDecision, type PolicyInput } from './sending-policy';

const rules = (text: string) => {
  const parsed = parseFrequencyCapRules(text);
  if (!parsed.ok) {
    throw new Error(parsed.message);
  }
  return parsed.value;
};
const quiet = (text: string) => {
  const parsed = parseQuietHours(text);
  if (!parsed.ok) {
    throw new Error(parsed.message);
  }
  return parsed.value;
};

const at = (iso: string) => new Date(iso);

/** The defaults: 1 per 16 h, 3 per 7 days, quiet 21:00-08:00, UTC for customers without a zone. */
const policy = new SendingPolicy({
  frequencyCaps: rules('1/PT16H,3/P7D'),
  quietHours: quiet('21:00-08:00'),
  defaultTimeZone: 'UTC',
});

const input = (overrides: Partial<PolicyInput>): PolicyInput => ({
  category: 'marketing',
  whenCapped: 'defer',
  timeZone: null,
  recentMarketing: [],
  now: at('2026-11-21T12:00:00Z'),
  ...overrides,
});

describe('SendingPolicy: frequency caps', () => {
  const cases: Array<[string, Partial<PolicyInput>, PolicyDecision]> = [
    ['nothing sent: send', {}, { action: 'send' }],
    ['last one 17 h ago: send', { recentMarketing: [at('2026-11-20T19:00:00Z')] }, { action: 'send' }],
    [
      'last one 3 h ago: defer until 16 h after it (10:00 in Tokyo, no quiet hours then)',
      { recentMarketing: [at('2026-11-21T09:00:00Z')], timeZone: 'Asia/Tokyo' },
      {
        action: 'defer',
        until: at('2026-11-22T01:00:00Z'),
        reason:
          'frequency cap: 1 per 16h reached (last marketing email 2026-11-21T09:00Z); next allowed 2026-11-22T01:00Z',
      },
    ],
    [
      'capped and whenCapped skip: skipped with the reason',
      { recentMarketing: [at('2026-11-21T09:00:00Z')], whenCapped: 'skip' },
      {
        action: 'skip',
        reason:
          'frequency cap: 1 per 16h reached (last marketing email 2026-11-21T09:00Z); the journey skips capped messages',
      },
    ],
    [
      'three in 7 days (none in 16 h): defer until the oldest of them leaves the window',
      {
        recentMarketing: [at('2026-11-20T10:00:00Z'), at('2026-11-16T10:00:00Z'), at('2026-11-18T10:00:00Z')],
        now: at('2026-11-21T12:00:00Z'),
      },
      {
        action: 'defer',
        until: at('2026-11-23T10:00:00Z'),
        reason:
          'frequency cap: 3 per 7d reached (3 marketing emails since 2026-11-16T10:00Z); next allowed 2026-11-23T10:00Z',
      },
    ],
    [
      'two in 7 days, none in 16 h: send',
      { recentMarketing: [at('2026-11-20T10:00:00Z'), at('2026-11-16T10:00:00Z'), at('2026-11-14T11:00:00Z')] },
      { action: 'send' },
    ],
    [
      'both caps reached: the later next-allowed time wins',
      {
        recentMarketing: [at('2026-11-21T11:00:00Z'), at('2026-11-19T10:00:00Z'), at('2026-11-18T09:00:00Z')],
      },
      {
        action: 'defer',
        until: at('2026-11-25T09:00:00Z'),
        reason:
          'frequency cap: 3 per 7d reached (3 marketing emails since 2026-11-18T09:00Z); next allowed 2026-11-25T09:00Z',
      },
    ],
    [
      'a free slot, but a higher-priority message is due: it goes first, this one decides again shortly',
      { higherPriorityDue: 1, timeZone: 'Asia/Tokyo' },
      {
        action: 'defer',
        until: at('2026-11-21T12:00:02Z'),
        reason:
          'frequency cap: 1 higher-priority message(s) for this customer go first; deciding again at 2026-11-21T12:00:02Z',
      },
    ],
    [
      'transactional: never capped',
      { category: 'transactional', recentMarketing: [at('2026-11-21T11:59:00Z')] },
      { action: 'send' },
    ],
  ];
  it.each(cases)('%s', (_name, overrides, expected) => {
    expect(policy.decide(input(overrides))).toEqual(expected);
  });

  it('moves a next-allowed time that falls in quiet hours to their end', () => {
    // Last send 05:00Z; 16 h later is 21:00Z = 06:00 JST next day, inside 21:00-08:00 Tokyo.
    expect(policy.decide(input({ recentMarketing: [at('2026-11-21T05:00:00Z')], timeZone: 'Asia/Tokyo' }))).toEqual({
      action: 'defer',
      until: at('2026-11-21T23:00:00Z'),
      reason:
        'frequency cap: 1 per 16h reached (last marketing email 2026-11-21T05:00Z); next allowed 2026-11-21T23:00Z' +
        ' (end of quiet hours 21:00-08:00 Asia/Tokyo)',
    });
  });

  it('reports seconds for short windows, and no cap when no rules are configured', () => {
    const short = new SendingPolicy({ frequencyCaps: rules('1/PT3S'), quietHours: undefined, defaultTimeZone: 'UTC' });
    expect(short.decide(input({ recentMarketing: [at('2026-11-21T11:59:58Z')] }))).toEqual({
      action: 'defer',
      until: at('2026-11-21T12:00:01Z'),
      reason:
        'frequency cap: 1 per 3s reached (last marketing email 2026-11-21T11:59:58Z); next allowed 2026-11-21T12:00:01Z',
    });
    // Room for the higher-priority message and this one: no need to wait.
    const two = new SendingPolicy({ frequencyCaps: rules('2/PT1H'), quietHours: undefined, defaultTimeZone: 'UTC' });
    expect(two.decide(input({ higherPriorityDue: 1 }))).toEqual({ action: 'send' });
    expect(two.decide(input({ higherPriorityDue: 2 }))).toMatchObject({ action: 'defer' });
    const none = new SendingPolicy({ frequencyCaps: rules(''), quietHours: undefined, defaultTimeZone: 'UTC' });
    expect(none.active).toBe(false);
    expect(none.decide(input({ recentMarketing: [at('2026-11-21T11:59:58Z')] }))).toEqual({ action: 'send' });
  });
});

describe('SendingPolicy: quiet hours in the customer zone', () => {
  const cases: Array<[string, string, string | null, string | undefined]> = [
    // [name, now (UTC), customer zone, held until (UTC) or undefined = send]
    ['Tokyo 21:30: held to 08:00 next morning', '2026-11-21T12:30:00Z', 'Asia/Tokyo', '2026-11-21T23:00:00Z'],
    ['Tokyo 03:00: held to 08:00 the same morning', '2026-11-21T18:00:00Z', 'Asia/Tokyo', '2026-11-21T23:00:00Z'],
    ['Tokyo 08:00 exactly: allowed', '2026-11-21T23:00:00Z', 'Asia/Tokyo', undefined],
    ['Tokyo 20:59: allowed', '2026-11-21T11:59:00Z', 'Asia/Tokyo', undefined],
    ['Tokyo 21:00 exactly: held', '2026-11-21T12:00:00Z', 'Asia/Tokyo', '2026-11-21T23:00:00Z'],
    ['no zone: the default (UTC) 22:00', '2026-11-21T22:00:00Z', null, '2026-11-22T08:00:00Z'],
    ['unknown zone: the default (UTC) 12:00', '2026-11-21T12:00:00Z', 'Mars/Olympus', undefined],
    // DST: New York springs forward on 2026-03-08 (02:00 EST -> 03:00 EDT).
    ['New York, night before spring forward', '2026-03-08T03:00:00Z', 'America/New_York', '2026-03-08T12:00:00Z'],
    ['New York, 01:30 EST spring-forward day', '2026-03-08T06:30:00Z', 'America/New_York', '2026-03-08T12:00:00Z'],
    ['New York, 07:30 EDT spring-forward day', '2026-03-08T11:30:00Z', 'America/New_York', '2026-03-08T12:00:00Z'],
    ['New York, 08:00 EDT spring-forward day: allowed', '2026-03-08T12:00:00Z', 'America/New_York', undefined],
    // New York falls back on 2026-11-01 (02:00 EDT -> 01:00 EST).
    ['New York, night before fall back', '2026-11-01T02:00:00Z', 'America/New_York', '2026-11-01T13:00:00Z'],
    ['New York, second 01:30 (EST) fall-back day', '2026-11-01T06:30:00Z', 'America/New_York', '2026-11-01T13:00:00Z'],
    ['New York, 07:59 EST fall-back day', '2026-11-01T12:59:00Z', 'America/New_York', '2026-11-01T13:00:00Z'],
    ['New York, 08:00 EST fall-back day: allowed', '2026-11-01T13:00:00Z', 'America/New_York', undefined],
    ['New York, 20:59 EST fall-back day: allowed', '2026-11-02T01:59:00Z', 'America/New_York', undefined],
  ];
  it.each(cases)('%s', (_name, now, zone, held) => {
    const decision = policy.decide(input({ now: at(now), timeZone: zone }));
    if (held === undefined) {
      expect(decision).toEqual({ action: 'send' });
    } else {
      expect(decision).toMatchObject({ action: 'defer', until: at(held) });
    }
  });

  it('says the window, the zone and the local end time', () => {
    expect(policy.decide(input({ now: at('2026-11-21T12:30:00Z'), timeZone: 'Asia/Tokyo' }))).toEqual({
      action: 'defer',
      until: at('2026-11-21T23:00:00Z'),
      reason: 'quiet hours 21:00-08:00 Asia/Tokyo; held until 2026-11-22T08:00+09:00',
    });
  });

  it('handles a window within one day, and an end in a spring-forward gap', () => {
    const lunch = new SendingPolicy({
      frequencyCaps: [],
      quietHours: quiet('12:00-13:30'),
      defaultTimeZone: 'Europe/Berlin',
    });
    expect(lunch.decide(input({ now: at('2026-11-21T11:15:00Z') }))).toMatchObject({
      until: at('2026-11-21T12:30:00Z'),
    });
    expect(lunch.decide(input({ now: at('2026-11-21T12:30:00Z') }))).toEqual({ action: 'send' });
    // 00:00-02:30 in New York: 02:30 does not exist on 2026-03-08; the hold ends at 03:30 EDT,
    // the first valid wall time after it.
    const gap = new SendingPolicy({
      frequencyCaps: [],
      quietHours: quiet('00:00-02:30'),
      defaultTimeZone: 'America/New_York',
    });
    expect(gap.decide(input({ now: at('2026-03-08T06:00:00Z') }))).toMatchObject({
      until: at('2026-03-08T07:30:00Z'),
    });
  });

  it('lets transactional mail through quiet hours', () => {
    expect(
      policy.decide(input({ now: at('2026-11-21T12:30:00Z'), timeZone: 'Asia/Tokyo', category: 'transactional' })),
    ).toEqual({ action: 'send' });
  });
});

describe('sending policy settings', () => {
  it('parses cap rules and quiet hours, and says what is wrong', () => {
    expect(parseFrequencyCapRules('1/PT16H, 3/P7D')).toEqual({
      ok: true,
      value: [
        { limit: 1, windowMs: 16 * 3_600_000 },
        { limit: 3, windowMs: 7 * 86_400_000 },
      ],
    });
    expect(parseFrequencyCapRules('')).toEqual({ ok: true, value: [] });
    expect(parseFrequencyCapRules('1/16h')).toMatchObject({ ok: false });
    expect(parseFrequencyCapRules('0/PT1H')).toMatchObject({ ok: false });
    expect(parseQuietHours('21:00-08:00')).toEqual({
      ok: true,
      value: { start: 75_600, end: 28_800, text: '21:00-08:00' },
    });
    expect(parseQuietHours('')).toEqual({ ok: true, value: undefined });
    expect(parseQuietHours('9pm-8am')).toMatchObject({ ok: false });
    expect(parseQuietHours('08:00-08:00')).toMatchObject({ ok: false });
  });
});
