import {
  classifyMessageEngagement,
  DEFAULT_ENGAGEMENT_THRESHOLDS,
  type EngagementHit,
  type LinkClick,
} from '@kizuna/analytics';

const SENT = Date.UTC(2024, 4, 1, 9);
const after = (seconds: number) => SENT + seconds * 1000;
const SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const APPLE_PROXY = 'Mozilla/5.0';
const GMAIL_PROXY = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const YAHOO_PROXY = 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html';

const open = (seconds: number, userAgent: string | null = SAFARI): EngagementHit => ({ at: after(seconds), userAgent });
const click = (seconds: number, link = 'https://shop.example/a', userAgent: string | null = SAFARI): LinkClick => ({
  at: after(seconds),
  link,
  userAgent,
});

describe('opens', () => {
  it.each([
    ['a browser a minute after sending', open(60), null],
    ["Apple's privacy proxy an hour later", open(3600, APPLE_PROXY), 'proxy-user-agent'],
    ["Yahoo's proxy", open(60, YAHOO_PROXY), 'proxy-user-agent'],
    ["Gmail's image proxy, which fetches when the person opens", open(60, GMAIL_PROXY), null],
    ['anything 4 seconds after sending', open(4), 'too-soon'],
    ['a browser exactly 5 seconds after sending', open(5), null],
    ['a fetch with no user agent', open(60, null), 'no-user-agent'],
    ['a fetch with a blank user agent', open(60, ' '), 'no-user-agent'],
  ])('%s', (_title, hit, machine) => {
    expect(classifyMessageEngagement({ sentAt: SENT, opens: [hit], clicks: [] }).opens).toEqual([{ hit, machine }]);
  });
});

describe('clicks', () => {
  it.each([
    ['a browser two minutes after sending', click(120), null],
    ['a click 9.999 seconds after sending', click(9.999), 'too-soon'],
    ['a click exactly 10 seconds after sending', click(10), null],
    ['a script', click(120, undefined, 'python-requests/2.31.0'), 'scanner-user-agent'],
    ['a crawler', click(120, undefined, 'Mozilla/5.0 (compatible; Googlebot/2.1)'), 'scanner-user-agent'],
    ['a request with no user agent', click(120, undefined, null), 'no-user-agent'],
  ])('%s', (_title, hit, machine) => {
    expect(classifyMessageEngagement({ sentAt: SENT, opens: [], clicks: [hit] }).clicks).toEqual([{ hit, machine }]);
  });

  it.each([
    ['every link within a second', [click(30, 'a'), click(30.4, 'b'), click(30.9, 'c')], ['burst', 'burst', 'burst']],
    ['two links exactly a second apart', [click(30, 'a'), click(31, 'b')], ['burst', 'burst']],
    ['two links 1.001 s apart', [click(30, 'a'), click(31.001, 'b')], [null, null]],
    ['one link twice within a second', [click(30, 'a'), click(30.5, 'a')], [null, null]],
    ['a person, then a scanner later', [click(120, 'a'), click(500, 'b'), click(500.2, 'c')], [null, 'burst', 'burst']],
  ])('%s', (_title, clicks, expected) => {
    const verdicts = classifyMessageEngagement({ sentAt: SENT, opens: [], clicks }).clicks;
    expect(verdicts.map((v) => v.machine)).toEqual(expected);
  });
});

describe('the message as a whole', () => {
  it.each([
    [
      'a proxy open, then a person clicks: opened and clicked by a person',
      { opens: [open(2, APPLE_PROXY)], clicks: [click(300)] },
      { opened: 'human', clicked: 'human', humanOpens: [], humanClicks: [after(300)] },
    ],
    [
      'only a proxy fetched the pixel',
      { opens: [open(2, APPLE_PROXY)], clicks: [] },
      { opened: 'machine', clicked: 'none', humanOpens: [], humanClicks: [] },
    ],
    [
      'only a scanner followed the links: never opened',
      { opens: [], clicks: [click(3, 'a'), click(3.1, 'b')] },
      { opened: 'none', clicked: 'machine', humanOpens: [], humanClicks: [] },
    ],
    [
      'a person opened and later opened again',
      { opens: [open(2, APPLE_PROXY), open(600), open(4000)], clicks: [] },
      { opened: 'human', clicked: 'none', humanOpens: [after(600), after(4000)], humanClicks: [] },
    ],
    ['nothing at all', { opens: [], clicks: [] }, { opened: 'none', clicked: 'none', humanOpens: [], humanClicks: [] }],
  ])('%s', (_title, activity, expected) => {
    const result = classifyMessageEngagement({ sentAt: SENT, ...activity });
    expect({
      opened: result.opened,
      clicked: result.clicked,
      humanOpens: result.humanOpens,
      humanClicks: result.humanClicks,
    }).toEqual(expected);
  });

  it('follows the configured thresholds', () => {
    const lenient = { ...DEFAULT_ENGAGEMENT_THRESHOLDS, minOpenSeconds: 0, proxyUserAgents: [], burstLinks: 3 };
    const result = classifyMessageEngagement(
      { sentAt: SENT, opens: [open(1, APPLE_PROXY)], clicks: [click(30, 'a'), click(30.5, 'b')] },
      lenient,
    );
    expect(result.opens.map((v) => v.machine)).toEqual([null]);
    expect(result.clicks.map((v) => v.machine)).toEqual([null, null]);
  });
});
