import { Controller, Get, Post, Req, Res, SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SignedRoute } from '@kizuna/auth';
import { EngagementService, type LinkPurpose } from '@kizuna/messaging';
import { NpsSurvey } from '@kizuna/templates';
import type { Response } from 'express';
import { Consumes } from '../http/request-body.decorators';
import { LINK_PURPOSE, LinkTokenGuard, type LinkRequest } from './link-token.guard';
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
 * page, the open pixel, click redirects, and NPS answers. No API key; each link carries a signed token.
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
   * An NPS answer (0-10) from a review email: records `nps.responded` and thanks the customer.
   * A GET that records: a mail scanner prefetching all eleven links would answer for the
   * customer, but the journey takes the first answer only and records are idempotent per score;
   * see docs/reference-journeys.md.
   */
  @Get('n/:token')
  @LinkRoute('nps')
  async npsAnswer(@Req() req: LinkRequest, @Res() res: Response): Promise<void> {
    await this.nps.record(NpsSurvey.answerOf(req.link!)!);
    res.status(200).set('Cache-Control', 'no-store').type('html').send(NPS_THANK_YOU);
  }
}

/** The client's User-Agent header as sent (null when absent): machine activity is told by it. */
function userAgentOf(req: LinkRequest): string | null {
  const ua = req.headers['user-agent'];
  return typeof ua === 'string' ? ua : null;
}

const NPS_THANK_YOU =
  '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
  '<title>Thank you</title></head><body style="font-family:sans-serif;max-width:480px;margin:3em auto;text-align:center">' +
  '<h1>Thank you for your answer!</h1><p>ご回答ありがとうございました。</p></body></html>';
