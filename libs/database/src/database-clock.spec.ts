import { anchorFrom } from './database-clock';

describe('anchorFrom', () => {
  it('keeps the fastest round trip and places its database reading at the midpoint', () => {
    // Round trips of 10, 2 and 6 ms: the 2 ms one bounds the error to 1 ms.
    const anchor = anchorFrom([
      { sentAt: 100, receivedAt: 110, databaseMs: 5_000 },
      { sentAt: 120, receivedAt: 122, databaseMs: 5_021.25 },
      { sentAt: 130, receivedAt: 136, databaseMs: 5_034 },
    ]);
    expect(anchor).toEqual({ databaseMs: 5_021.25, monotonicMs: 121, roundTripMs: 2 });
  });

  it('refuses to anchor on nothing', () => {
    expect(() => anchorFrom([])).toThrow('no clock samples');
  });
});
