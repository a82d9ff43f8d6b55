import { attributeOrders, creditFor, DEFAULT_ATTRIBUTION, type MessageTouch } from '@kizuna/analytics';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T = Date.UTC(2024, 5, 10, 12); // the order

const message = (
  messageId: string,
  sentAt: number,
  engagement: { opens?: number[]; clicks?: number[]; heldOut?: boolean } = {},
): MessageTouch => ({
  messageId,
  sentAt,
  humanOpens: engagement.opens ?? [],
  humanClicks: engagement.clicks ?? [],
  heldOut: engagement.heldOut ?? false,
});

// One customer's messages from several journeys, worked through by hand for an order at T.
const inbox = [
  message('win-back-1', T - 6 * DAY, { clicks: [T - 4 * DAY] }), // sent outside the window, clicked inside it
  message('cart-1', T - 3 * DAY),
  message('review-1', T - DAY, { opens: [T - DAY + HOUR] }),
  message('cross-sell-1', T + HOUR, { clicks: [T + 2 * HOUR] }), // after the order
  message('held-out-1', T - HOUR, { clicks: [T - HOUR / 2], heldOut: true }), // never delivered
];

describe('creditFor', () => {
  it.each([
    // The click on win-back-1 is the only click in the window.
    ['clicked, else received (the default)', DEFAULT_ATTRIBUTION, 'win-back-1', 'clicked', T - 4 * DAY],
    ['clicked', { touch: 'clicked', windowMs: 5 * DAY }, 'win-back-1', 'clicked', T - 4 * DAY],
    // review-1's open (T − 23 h) is later than win-back-1's click (T − 4 d).
    ['opened', { touch: 'opened', windowMs: 5 * DAY }, 'review-1', 'opened', T - DAY + HOUR],
    // The last message sent before the order; cross-sell-1 came after it, held-out-1 never came.
    ['received', { touch: 'received', windowMs: 5 * DAY }, 'review-1', 'received', T - DAY],
    // A 3-day window loses the click, so the last message received takes the credit.
    [
      'clicked, else received, 3 days',
      { touch: 'clicked-else-received', windowMs: 3 * DAY },
      'review-1',
      'received',
      T - DAY,
    ],
  ] as const)('%s', (_title, settings, messageId, by, at) => {
    expect(creditFor(T, inbox, settings)).toEqual({ messageId, by, at });
  });

  it.each([
    [
      'a touch exactly a window before the order counts',
      T - 5 * DAY,
      { messageId: 'm', by: 'received', at: T - 5 * DAY },
    ],
    ['a millisecond earlier does not', T - 5 * DAY - 1, null],
    ['a message sent at the very moment of the order counts', T, { messageId: 'm', by: 'received', at: T }],
    ['a message sent a millisecond after does not', T + 1, null],
  ])('%s', (_title, sentAt, expected) => {
    expect(creditFor(T, [message('m', sentAt)])).toEqual(expected);
  });

  it('ignores a click made after the order, falling back to the message received', () => {
    const clickedLater = message('m', T - DAY, { clicks: [T + 1] });
    expect(creditFor(T, [clickedLater], { touch: 'clicked', windowMs: 5 * DAY })).toBeNull();
    expect(creditFor(T, [clickedLater])).toEqual({ messageId: 'm', by: 'received', at: T - DAY });
  });

  it('never credits a held-out customer', () => {
    const heldOut = message('h', T - HOUR, { opens: [T - HOUR], clicks: [T - HOUR], heldOut: true });
    for (const touch of ['received', 'opened', 'clicked', 'clicked-else-received'] as const) {
      expect(creditFor(T, [heldOut], { touch, windowMs: 5 * DAY })).toBeNull();
    }
  });

  it('breaks ties by the later send, then by the greater message id', () => {
    const click = T - HOUR;
    expect(
      creditFor(T, [message('b', T - 2 * HOUR, { clicks: [click] }), message('a', T - 3 * HOUR, { clicks: [click] })]),
    ).toEqual({ messageId: 'b', by: 'clicked', at: click });
    expect(creditFor(T, [message('a', T - DAY), message('b', T - DAY)])?.messageId).toBe('b');
    expect(creditFor(T, [message('b', T - DAY), message('a', T - DAY)])?.messageId).toBe('b');
  });

  it('credits nothing without messages, and refuses an empty window', () => {
    expect(creditFor(T, [])).toBeNull();
    expect(() => creditFor(T, inbox, { touch: 'received', windowMs: 0 })).toThrow(RangeError);
  });
});

describe('attributeOrders', () => {
  it('credits each order once, a duplicate keeping its first credit', () => {
    const credits = attributeOrders(
      [
        { orderId: 'o1', placedAt: T },
        // The same order again a day later would otherwise go to cross-sell-1 (sent T + 1 h).
        { orderId: 'o1', placedAt: T + DAY },
        { orderId: 'o2', placedAt: T + 10 * DAY },
      ],
      inbox,
    );
    expect([...credits]).toEqual([
      ['o1', { messageId: 'win-back-1', by: 'clicked', at: T - 4 * DAY }],
      ['o2', null],
    ]);
  });
});
