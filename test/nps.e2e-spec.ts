import { randomUUID } from 'node:crypto';
import { Role } from '@kizuna/auth';
import { NpsSurvey } from '@kizuna/templates';
import { startTestApp, waitFor, type TestApp } from './support/test-app';

/**
 * NPS (docs/analytics.md, "NPS"): the answer page is safe from link scanners (a GET records
 * nothing; the POST records score and reason), answers posted by a shop that surveys with another
 * tool count the same, each customer counts once with their latest answer, by month in the shop's
 * time zone (America/New_York here), and comments are listed per group. Expected figures are
 * worked out by hand in the comments.
 */
const NEW_YORK = 'America/New_York';

describe('NPS (e2e, America/New_York)', () => {
  let t: TestApp;
  let ingestKey: string;
  let marketerKey: string;

  const post = async (customerId: string, timestamp: string, properties: Record<string, unknown>) => {
    const res = await fetch(`${t.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'nps.responded', customerId, messageId: randomUUID(), timestamp, properties }),
    });
    return res;
  };
  const answer = async (customerId: string, timestamp: string, score: number, comment?: string) => {
    const res = await post(customerId, timestamp, { score, ...(comment ? { comment } : {}) });
    expect(res.status).toBe(202);
    const { eventId } = (await res.json()) as { eventId: string };
    await waitFor(
      async () => (await t.db.query('SELECT 1 FROM events WHERE id = $1 AND processed_at IS NOT NULL', [eventId]))[0],
      10_000,
      'the answer to be processed',
    );
  };
  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${marketerKey}` } });
    return { status: res.status, body: (await res.json()) as T };
  };
  const answersOf = (customerId: string) =>
    t.db.query<{ score: number; comment: string | null; source: string }>(
      `SELECT a.score, a.comment, a.source FROM nps_answers a JOIN customers c ON c.id = a.customer_uuid
        WHERE c.customer_id = $1 ORDER BY a.answered_at, a.event_seq`,
      [customerId],
    );

  beforeAll(async () => {
    t = await startTestApp({ env: { SHOP_TIMEZONE: NEW_YORK } });
    ingestKey = await t.keyFor(Role.Ingest);
    marketerKey = await t.keyFor(Role.Marketer);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('the answer page', () => {
    const links = (customerId: string) =>
      new Map(
        t.app
          .get(NpsSurvey)
          .links(
            { customerId, email: null, locale: null, timezone: null, attributes: {} },
            { journeyId: randomUUID(), instanceKey: 'order-1' },
          )!
          .map((l) => [l.score, new URL(l.url).pathname]),
      );
    const submit = (path: string, form: Record<string, string>) =>
      fetch(`${t.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });

    it('records nothing when a scanner fetches all eleven links', async () => {
      await answer('page-ja', '2024-01-01T00:00:00Z', 8); // a profile to look up (then its locale)
      await t.db.query(`UPDATE customers SET locale = 'ja-JP' WHERE customer_id = 'page-ja'`);
      const before = await answersOf('page-ja');
      const pages = await Promise.all([...links('page-ja').values()].map((path) => fetch(`${t.baseUrl}${path}`)));
      expect(pages.map((p) => p.status)).toEqual(Array(11).fill(200));
      const seven = await pages[7]!.text();
      // In the customer's language, the link's score preselected, a reason box, no script.
      expect(seven).toContain('そのスコアを付けた一番の理由は何ですか？');
      expect(seven).toContain('value="7" checked');
      expect(seven.match(/ checked/g)).toHaveLength(1);
      expect(seven).not.toMatch(/<script/i);
      // Let the inbox catch up with anything the pages might have caused: nothing.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(
        await t.db.query(
          `SELECT 1 FROM events WHERE name = 'nps.responded' AND customer_uuid =
             (SELECT id FROM customers WHERE customer_id = 'page-ja') AND source = 'system'`,
        ),
      ).toEqual([]);
      expect(await answersOf('page-ja')).toEqual(before);
    });

    it('records score and reason on the POST, through the inbox', async () => {
      const path = links('page-en').get(4)!;
      const page = await (await fetch(`${t.baseUrl}${path}`)).text();
      expect(page).toContain('What is the main reason for your score?');
      // The person changed their mind on the page: 6, with a reason.
      const res = await submit(path, { score: '6', comment: '  Arrived late  ' });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Thank you for your answer!');
      expect(
        await waitFor(async () => {
          const rows = await answersOf('page-en');
          return rows.length > 0 ? rows : undefined;
        }),
      ).toEqual([{ score: 6, comment: 'Arrived late', source: 'system' }]);
      // The same answer again is one answer.
      expect((await submit(path, { score: '6', comment: 'Arrived late' })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await answersOf('page-en')).toHaveLength(1);
    });

    it('refuses a bad score or an overlong reason with a 400 page, and a forged token with a 401', async () => {
      const path = links('page-bad').get(9)!;
      const forms: Array<Record<string, string>> = [
        { score: '11' },
        { score: 'x' },
        { score: '5', comment: 'a'.repeat(2001) },
      ];
      for (const form of forms) {
        const res = await submit(path, form);
        expect(res.status).toBe(400);
        expect(await res.text()).toContain('Please choose a score from 0 to 10');
      }
      // The signature's last two characters changed (to 'xx', or 'yy' if they were 'xx').
      const forged = `${path.slice(0, -2)}${path.endsWith('xx') ? 'yy' : 'xx'}`;
      expect((await submit(forged, { score: '9' })).status).toBe(401);
      expect(await answersOf('page-bad')).toEqual([]);
    });
  });

  describe('the report', () => {
    beforeAll(async () => {
      // Answers posted by the shop (another survey tool), New York time (UTC−5 in winter, −4 from
      // 10 March 2024).
      await answer('c1', '2024-03-05T15:00:00Z', 3, 'Too slow');
      await answer('c1', '2024-04-10T15:00:00Z', 9, 'Fixed, great');
      await answer('c2', '2024-03-10T20:00:00Z', 10, 'Love it');
      await answer('c2', '2024-03-20T15:00:00Z', 8, 'Good');
      await answer('c3', '2024-04-02T15:00:00Z', 6, 'Meh');
      // 31 March 23:30 in New York, 1 April in UTC: a March answer.
      await answer('c4', '2024-04-01T03:30:00Z', 0, 'Broken');
      await answer('c5', '2024-02-28T15:00:00Z', 10, 'Before the period');
      // Two answers at the same instant: the one recorded last counts.
      await answer('c6', '2024-04-15T12:00:00Z', 9, 'Nice');
      await answer('c6', '2024-04-15T12:00:00Z', 5, 'Late delivery');
      // 30 April 23:00 in New York: still April, still in the period.
      await answer('c7', '2024-05-01T03:00:00Z', 7);
    });

    it('counts each customer once with their latest answer, and month by month', async () => {
      const { status, body } = await get('/v1/analytics/nps?from=2024-03-01&to=2024-04-30');
      expect(status).toBe(200);
      // Latest in the period: c1 9 (promoter), c2 8 (passive), c3 6, c4 0, c6 5 (detractors),
      // c7 7 (passive); c5 is before it. 1 promoter, 2 passives, 3 detractors of 6:
      // 100 × (1 − 3) / 6 = −33.33…
      // March: c1 3 (detractor), c2 8 (latest of 10 and 8: passive), c4 0 (detractor):
      //   100 × (0 − 2) / 3 = −66.67. April: c1 9, c3 6, c6 5, c7 7: 100 × (1 − 2) / 4 = −25.
      expect(body).toEqual({
        from: '2024-03-01',
        to: '2024-04-30',
        timeZone: NEW_YORK,
        score: expect.closeTo(-100 / 3, 9),
        promoters: 1,
        passives: 2,
        detractors: 3,
        respondents: 6,
        trend: [
          {
            month: '2024-03',
            score: expect.closeTo(-200 / 3, 9),
            promoters: 0,
            passives: 1,
            detractors: 2,
            respondents: 3,
          },
          { month: '2024-04', score: -25, promoters: 1, passives: 1, detractors: 2, respondents: 4 },
        ],
      });
    });

    it('lists a month without answers with no score', async () => {
      const { body } = await get<{ score: number | null; trend: unknown[] }>(
        '/v1/analytics/nps?from=2024-01-01&to=2024-01-31',
      );
      // page-ja's 8 was at 2024-01-01T00:00Z: 31 December 2023 in New York.
      expect(body).toMatchObject({
        score: null,
        respondents: 0,
        trend: [{ month: '2024-01', score: null, promoters: 0, passives: 0, detractors: 0, respondents: 0 }],
      });
    });

    it('lists the comments of a group, newest first, a page at a time', async () => {
      type Page = {
        comments: Array<{ customerId: string; score: number; comment: string }>;
        nextCursor: string | null;
      };
      const first = await get<Page>('/v1/analytics/nps/comments?from=2024-03-01&to=2024-04-30&group=detractor&limit=2');
      // Detractors' latest answers: c6 (15 Apr), c3 (2 Apr), c4 (31 Mar NY); c1's "Too slow" is not
      // their latest.
      expect(first.body.comments.map((c) => [c.customerId, c.score, c.comment])).toEqual([
        ['c6', 5, 'Late delivery'],
        ['c3', 6, 'Meh'],
      ]);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await get<Page>(
        `/v1/analytics/nps/comments?from=2024-03-01&to=2024-04-30&group=detractor&limit=2&cursor=${first.body.nextCursor}`,
      );
      expect(second.body).toEqual({
        comments: [
          { customerId: 'c4', email: null, score: 0, comment: 'Broken', answeredAt: '2024-04-01T03:30:00.000Z' },
        ],
        nextCursor: null,
      });
      const promoters = await get<Page>('/v1/analytics/nps/comments?from=2024-03-01&to=2024-04-30&group=promoter');
      expect(promoters.body.comments.map((c) => [c.customerId, c.comment])).toEqual([['c1', 'Fixed, great']]);
      // c7 answered without a comment.
      const passives = await get<Page>('/v1/analytics/nps/comments?from=2024-03-01&to=2024-04-30&group=passive');
      expect(passives.body.comments.map((c) => [c.customerId, c.comment])).toEqual([['c2', 'Good']]);
    });

    it('refuses a bad answer at ingest and bad parameters with a 400 naming them', async () => {
      const bad = await post('c9', '2024-04-01T00:00:00Z', { score: 7.5 });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('properties.score');
      for (const [path, param] of [
        ['/v1/analytics/nps?from=2024-04-31', 'from'],
        ['/v1/analytics/nps/comments?group=fans', 'group'],
        ['/v1/analytics/nps/comments?group=promoter&cursor=nope', 'cursor'],
        ['/v1/analytics/nps/comments?group=promoter&limit=0', 'limit'],
      ] as const) {
        const res = await get<unknown>(path);
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expect(JSON.stringify(res.body)).toContain(param);
      }
    });
  });
});
