import { loadReferenceContent, scaleDuration, scaleDurations } from './reference-content';

describe('reference content', () => {
  it('loads the segments, templates (layouts and partials first) and the three journeys', () => {
    const content = loadReferenceContent();
    expect(content.segments.map((s) => s.key)).toEqual([
      'first-time-buyers',
      'repeat-buyers',
      'vip',
      'dormant-90d',
      'vip-dormant-45d',
    ]);
    expect(content.templates.slice(0, 2).map((t) => t.kind)).toEqual(['layout', 'partial']);
    for (const template of content.templates) {
      expect(Object.keys(template.variants).sort()).toEqual(['en', 'ja']);
    }
    expect(content.journeys.map((j) => j.file)).toEqual([
      'cart-abandonment.yaml',
      'post-purchase.yaml',
      'win-back-vip.yaml',
      'win-back.yaml',
    ]);
  });

  it('scales durations and only durations', () => {
    expect(scaleDuration('P1D', 1 / 86_400)).toBe('PT1S');
    expect(scaleDuration('PT1H', 1 / 28_800)).toBe('PT0.125S');
    expect(scaleDuration('PT1S', 1e-9)).toBe('PT0.001S');
    const scaled = scaleDurations(
      {
        steps: [
          { id: 'w', type: 'wait', duration: 'P2D', next: 'x' },
          { timeout: 'P1D', onEvent: 'P1D' },
        ],
        goal: { within: 'P7D' },
        rule: {
          all: [
            { field: 'stats.lastOrderAt', op: 'notWithin', value: 'P90D' },
            { field: 'stats.lastOrderAt', op: 'within', value: { cycles: 2, fallback: 'P10D', atLeast: 'P5D' } },
            { field: 'attributes.code', op: 'eq', value: 'P1D' },
            { event: 'email.opened', within: 'P1D', atLeast: 2 },
          ],
        },
      },
      1 / 86_400,
    );
    expect(scaled).toEqual({
      steps: [
        { id: 'w', type: 'wait', duration: 'PT2S', next: 'x' },
        { timeout: 'PT1S', onEvent: 'P1D' },
      ],
      goal: { within: 'PT7S' },
      rule: {
        all: [
          { field: 'stats.lastOrderAt', op: 'notWithin', value: 'PT90S' },
          { field: 'stats.lastOrderAt', op: 'within', value: { cycles: 2, fallback: 'PT10S', atLeast: 'PT5S' } },
          { field: 'attributes.code', op: 'eq', value: 'P1D' },
          { event: 'email.opened', within: 'PT1S', atLeast: 2 },
        ],
      },
    });
    expect(() => scaleDurations({}, 0)).toThrow(/positive/);
  });
});
