import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AuthErrorCode,
  AuthException,
  clientAddress,
  ConsoleSessionService,
  ConsoleSignInService,
  PublicRoute,
  rateLimited,
  SessionRoute,
  type AuthenticatedRequest,
} from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import type { Response } from 'express';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';
import { sessionView, signInBody } from './console.views';
import { clearSessionCookie, setSessionCookie } from './session-cookie';

/**
 * Console sign-in and sign-out. Sign-in is JSON only (as every route here), which a form on
 * another site cannot send: no sign-in CSRF. Everything after it needs the session's CSRF token.
 */
@ApiTags('console')
@ApiCookieAuth()
@Controller('v1')
export class SessionController {
  constructor(
    private readonly signIns: ConsoleSignInService,
    private readonly sessions: ConsoleSessionService,
    private readonly config: KizunaConfig,
  ) {}

  @Post('session')
  @HttpCode(200)
  @PublicRoute('console sign-in: checks the email and password itself, under the failed-authentication limit')
  @ApiOperation({ summary: 'Sign in to the console: sets the session cookie' })
  @ApiBody({ schema: openApiSchema(signInBody) })
  @ApiOkResponse({ schema: openApiSchema(sessionView) })
  async signIn(
    @Body() body: unknown,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<z.infer<typeof sessionView>> {
    const credentials = parseOrThrow(signInBody, body);
    const outcome = await this.signIns.signIn(credentials, {
      address: clientAddress(req),
      userAgent: req.header('user-agent'),
    });
    if (!outcome.ok) {
      if (outcome.retryAfterSeconds > 0) {
        throw rateLimited(res, 'authentication-failures', outcome.retryAfterSeconds);
      }
      throw new AuthException(AuthErrorCode.InvalidCredentials, 'The email or the password is wrong');
    }
    setSessionCookie(res, outcome.session, this.config);
    const { id, email, role } = outcome.user;
    return { user: { id, email, role }, csrfToken: outcome.session.csrfToken };
  }

  @Get('session')
  @SessionRoute()
  @ApiOperation({ summary: 'Who is signed in, and the CSRF token for changes' })
  @ApiOkResponse({ schema: openApiSchema(sessionView) })
  current(@Req() req: AuthenticatedRequest): z.infer<typeof sessionView> {
    const { session, role } = req.principal!;
    return {
      user: { id: session!.userId, email: session!.email, role: role as z.infer<typeof sessionView>['user']['role'] },
      csrfToken: this.sessions.csrfTokenFor(session!.token),
    };
  }

  @Delete('session')
  @SessionRoute()
  @ApiOperation({ summary: 'Sign out (this browser)' })
  @ApiOkResponse({ schema: openApiSchema(z.object({ signedOut: z.literal(true) })) })
  async signOut(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    await this.sessions.end(req.principal!.session!.token);
    clearSessionCookie(res, this.config);
    return { signedOut: true as const };
  }

  @Delete('sessions')
  @SessionRoute()
  @ApiOperation({ summary: 'Sign out everywhere: ends every session of the signed-in user' })
  @ApiOkResponse({ schema: openApiSchema(z.object({ ended: z.number().int() })) })
  async signOutEverywhere(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const ended = await this.sessions.endAll(req.principal!.session!.userId);
    clearSessionCookie(res, this.config);
    return { ended };
  }
}
