import { DatabaseOutage, type OutageLogger } from './database-outage.service';

/** A lost connection as pg reports it (no code, this message). */
const lost = (): Error => new Error('Connection terminated unexpectedly');
const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });

function setup() {
  const lines: Array<{ level: 'error' | 'warn'; record: Record<string, unknown> }> = [];
  const logger: OutageLogger = {
    error: (record) => lines.push({ level: 'error', record: record as Record<string, unknown> }),
    warn: (record) => lines.push({ level: 'warn', record: record as Record<string, unknown> }),
  };
  let now = 1_000_000;
  const outage = new DatabaseOutage(logger, () => now, 30_000);
  return { lines, outage, advance: (ms: number) => (now += ms) };
}

describe('DatabaseOutage', () => {
  it('logs an outage once at its start, a reminder every 30 s with the failures counted, once at its end', () => {
    const { lines, outage, advance } = setup();
    // 4 loops failing every 250 ms for 65 s: 260 failures.
    for (let i = 0; i < 260; i++) {
      expect(outage.failed(`loop-${i % 4}`, i % 2 === 0 ? lost() : refused())).toBe(true);
      advance(250);
    }
    expect(outage.ongoing).toBe(true);
    outage.succeeded();
    outage.succeeded(); // nothing more: the outage is over

    expect(lines.map((l) => [l.level, l.record.msg])).toEqual([
      ['error', expect.stringMatching(/^database unreachable/)],
      ['error', 'database still unreachable'],
      ['error', 'database still unreachable'],
      ['warn', 'database reachable again'],
    ]);
    expect(lines[0]!.record).toMatchObject({ source: 'loop-0', err: 'Connection terminated unexpectedly' });
    // The first reminder comes with the 121st failure (at +30 s), the second with the 241st (+60 s).
    expect(lines[1]!.record).toMatchObject({ forSeconds: 30, failures: 121 });
    expect(lines[2]!.record).toMatchObject({ forSeconds: 60, failures: 241 });
    // The outage lasted 260 x 250 ms = 65 s.
    expect(lines[3]!.record).toEqual({ msg: 'database reachable again', downSeconds: 65, failures: 260 });
    expect(outage.ongoing).toBe(false);
  });

  it('counts a new outage from scratch', () => {
    const { lines, outage, advance } = setup();
    outage.failed('inbox', lost());
    advance(1000);
    outage.succeeded();
    outage.failed('inbox', lost());
    outage.failed('timer', lost());
    advance(2000);
    outage.succeeded();
    expect(lines.map((l) => l.record.failures)).toEqual([undefined, 1, undefined, 2]);
    expect(lines[3]!.record.downSeconds).toBe(2);
  });

  it('leaves other errors to the caller, and logs nothing for them', () => {
    const { lines, outage } = setup();
    const syntax = Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
    expect(outage.failed('inbox', syntax)).toBe(false);
    expect(outage.failed('inbox', new TypeError('x is undefined'))).toBe(false);
    expect(outage.ongoing).toBe(false);
    outage.succeeded();
    expect(lines).toEqual([]);
  });
});
