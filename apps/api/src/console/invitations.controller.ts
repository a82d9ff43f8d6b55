import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConsoleSessionService, ConsoleUserService, PublicRoute, type AuthenticatedRequest } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import type { Response } from 'express';
import type { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';
import { acceptBody, linkBody, linkDetailsView, sessionView } from './console.views';
import { setSessionCookie } from './session-cookie';

const LINK_TOKEN = 'one-time link: the token in the body (256 random bits, stored hashed) is the credential';

/**
 * The console's one-time links: the setup link printed at start-up (the first admin) and the
 * invitations admins hand out. The token travels in the link's fragment and then in the body,
 * never in a URL a server logs.
 */
@ApiTags('console')
@Controller('v1/invitations')
export class InvitationsController {
  constructor(
    private readonly users: ConsoleUserService,
    private readonly sessions: ConsoleSessionService,
    private readonly config: KizunaConfig,
  ) {}

  @Post('inspect')
  @HttpCode(200)
  @PublicRoute(LINK_TOKEN)
  @ApiOperation({ summary: 'What a setup or invitation link is for (410 when it cannot be used)' })
  @ApiBody({ schema: openApiSchema(linkBody) })
  @ApiOkResponse({ schema: openApiSchema(linkDetailsView) })
  async inspect(@Body() body: unknown): Promise<z.infer<typeof linkDetailsView>> {
    const { token } = parseOrThrow(linkBody, body);
    const details = await this.users.inspectLink(token);
    return { ...details, expiresAt: details.expiresAt.toISOString() };
  }

  @Post('accept')
  @HttpCode(200)
  @PublicRoute(LINK_TOKEN)
  @ApiOperation({ summary: 'Use a link once: set the password (and, for setup, the email); signs in' })
  @ApiBody({ schema: openApiSchema(acceptBody) })
  @ApiOkResponse({ schema: openApiSchema(sessionView) })
  async accept(
    @Body() body: unknown,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<z.infer<typeof sessionView>> {
    const { token, email, password } = parseOrThrow(acceptBody, body);
    const user = await this.users.acceptLink(token, { email, password });
    const session = await this.sessions.start(user, req.header('user-agent'));
    setSessionCookie(res, session, this.config);
    return { user: { id: user.id, email: user.email, role: user.role }, csrfToken: session.csrfToken };
  }
}
