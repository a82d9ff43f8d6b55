import { Controller, Get, Post, Req, Res, SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SignedRoute } from '@kizuna/auth';
import { MAX_NPS_COMMENT } from '@kizuna/events';
import { EngagementService, type LinkPurpose } from '@kizuna/messaging';
import { NpsSurvey } from '@kizuna/templates';
import type { Response } from 'express';
import { Consumes } from '../http/request-body.decorators';
import { LINK_PURPOSE, LinkTokenGuard, type LinkRequest } from './link-token.guard';
import { npsAnswerPage, npsThankYouPage } from './nps-page';
import { preferencePage } from './preference-page';

/** A route reached from a link in an email; the token in the path is its signature. */
const LinkRoute = (purpose: LinkPurpose) =>
  applyDecorators(
    SignedRoute(`link token (HMAC-SHA256 with TOKEN_SIGNING_SECRET, purpose "${purpose}")`),
    SetMetadata(LINK_PURPOSE, purpose),
    UseGuards(LinkTokenGuard),
  );

/** 1×1 transparent GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * What customers reach from their email: one-click unsubscribe (RFC 8058) and its preference
 * page, the open pixel, click redirects, and the NPS answer page. No API key; each link carries a signed token.
 */
@ApiExcludeController()
// Mail clients post the one-click unsubscribe as a form (RFC 8058), some as multipart; the
// token in the path is all the route reads, so the body's type is not checked.
@Consumes('*')
@Controller()
export class LinksController {
  constructor(
    private readonly engagement: EngagementService,
    private readonly nps: NpsSurvey,
  ) {}

  @Get('u/:token')
  @LinkRoute('unsubscribe')
  async preferences(@Req() req: LinkRequest, @Res() res: Response): Promise<void> {
    // GET never changes anything: mail scanners prefetch links.
    const state = await this.engagement.preferences(req.link!.m!);
    res
      .status(state ? 200 : 404)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(preferencePage(req.originalUrl, state, 'view'));
  }

  /**
   * The one-click POST (body `List-Unsubscribe=One-Click`) and the preference page's buttons
   * (`action=unsubscribe|resubscribe`). Without an action it unsubscribes: that is what a mail
   * client's one-click does.
   */
  @Post('u/:token')
  @LinkRoute('unsubscribe')
  async unsubscribe(@Req() req: LinkRequest, @Res() res: Response): Promise<void> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const messageId = req.link!.m!;
    const resubscribe = body.action === 'resubscribe';
    const found = resubscribe
      ? await this.engagement.resubscribe(messageId)
      : await this.engagement.unsubscribe(
          messageId,
          body.action === 'unsubscribe' ? 'preference-page' : 'one-click',
          userAgentOf(req),
        );
    const state = found ? await this.engagement.preferences(messageId) : undefined;
    res
      .status(state ? 200 : 404)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(preferencePage(req.originalUrl, state, resubscribe ? 'resubscribed' : 'unsubscribed'));
  }

  @Get('t/o/:token')
  @LinkRoute('open')
  async open(@Req() req: LinkRequest, @Res() res: Response): Promise<void> {
    // A HEAD asks whether the image exists; nobody saw it.
    if (req.method !== 'HEAD') {
      await this.engagement.opened(req.link!.m!, userAgentOf(req));
    }
    res.status(200).set('Cache-Control', 'no-store, max-age=0').type('image/gif').send(PIXEL);
  }

  /** Redirects only to the URL bound into the signed token: never an open redirect. */
  @Get('t/c/:token')
  @LinkRoute('click')
  async click(@Req() req: LinkRequest, @Res() res: Response): Promise<void> {
    const { m, u } = req.link!;
    // A HEAD (link checkers, previews) follows nothing: it is not a click.
    if (req.method !== 'HEAD') {
      await this.engagement.clicked(m!, u!, userAgentOf(req));
    }
    res.set('Cache-Control', 'no-store').redirect(302, u!);
  }

  /**
   * The NPS answer page (0-10) of a review email's link: shows the score preselected and asks
   * for the reason; records nothing. Mail scanners prefetch every link of an email, so a GET
   * must not answer for the customer (docs/analytics.md, "NPS").
   */
  @Get('n/:token')
  @LinkRoute('nps')
  async npsPage(@Req() req: LinkRequest, @Res() res: Response): Promise<void> {
    const answer = NpsSurvey.answerOf(req.link!)!;
    const language = await this.nps.languageOf(answer);
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(npsAnswerPage(req.originalUrl, answer.score, language));
  }

  /**
   * The answer page's form: records `nps.responded` with the score chosen (the link's unless the
   * customer changed it) and the reason, through the inbox like every event, so journeys route
   * the customer by it. The signed token in the URL is the proof; no cookie is involved, so
   * there is nothing for another site to ride on.
   */
  @Post('n/:token')
  @LinkRoute('nps')
  async npsAnswer(@Req() req: LinkRequest, @Res() res: Response): Promise<void> {
    const answer = NpsSurvey.answerOf(req.link!)!;
    const language = await this.nps.languageOf(answer);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const score = body.score === undefined ? answer.score : Number(body.score);
    const comment = typeof body.comment === 'string' ? body.comment : undefined;
    const valid =
      typeof body.score !== 'object' &&
      Number.isInteger(score) &&
      score >= 0 &&
      score <= 10 &&
      (body.comment === undefined || typeof body.comment === 'string') &&
      (comment?.trim().length ?? 0) <= MAX_NPS_COMMENT;
    if (!valid) {
      res
        .status(400)
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(npsAnswerPage(req.originalUrl, answer.score, language, { invalid: true }));
      return;
    }
    await this.nps.record({ ...answer, score }, comment);
    res.status(200).set('Cache-Control', 'no-store').type('html').send(npsThankYouPage(language));
  }
}

/** The client's User-Agent header as sent (null when absent): machine activity is told by it. */
function userAgentOf(req: LinkRequest): string | null {
  const ua = req.headers['user-agent'];
  return typeof ua === 'string' ? ua : null;
}

