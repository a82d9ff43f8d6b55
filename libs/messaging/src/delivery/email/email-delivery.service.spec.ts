import { retryDelayMs, smtpErrorOf } from './email-delivery.service';

describe('retryDelayMs', () => {
  it('doubles from the base per attempt, capped, with half of it jittered', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 60_000, 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 60_000, 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, 1000, 60_000, 0.5)).toBe(45_000);
    expect(retryDelayMs(1_000, 1000, 60_000, 1)).toBe(60_000);
  });
});

describe('smtpErrorOf', () => {
  it('takes the reply code and text of an SMTP refusal', () => {
    const error = Object.assign(new Error('Message failed'), {
      responseCode: 451,
      response: '451 4.3.0 Try again\r\nlater',
      command: 'DATA',
    });
    expect(smtpErrorOf(error)).toEqual({ code: 451, response: '451 4.3.0 Try again later', command: 'DATA' });
  });

  it('has no code for a connection problem', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ESOCKET' });
    expect(smtpErrorOf(error)).toEqual({
      code: null,
      response: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:1',
      command: undefined,
    });
  });
});
