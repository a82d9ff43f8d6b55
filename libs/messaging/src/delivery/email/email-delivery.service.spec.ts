import { smtpErrorOf } from './email-delivery.service';

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
