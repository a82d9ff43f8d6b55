import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ConsoleUserService, RequireRoles, Role, type AuthenticatedRequest } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';
import { createUserBody, invitationView, toUserView, updateUserBody, userView } from './console.views';

const withInvitation = z.object({ user: userView, invitation: invitationView });

/** Console users, managed by admins (with the console or an admin API key). */
@ApiTags('console')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller('v1/users')
@RequireRoles(Role.Admin)
export class UsersController {
  constructor(private readonly users: ConsoleUserService) {}

  @Get()
  @ApiOperation({ summary: 'List console users' })
  @ApiOkResponse({ schema: openApiSchema(z.object({ users: z.array(userView) })) })
  async list() {
    return { users: (await this.users.list()).map(toUserView) };
  }

  @Post()
  @ApiOperation({ summary: 'Invite a user: the invitation link is in this response only' })
  @ApiBody({ schema: openApiSchema(createUserBody) })
  @ApiCreatedResponse({ schema: openApiSchema(withInvitation) })
  async create(@Body() body: unknown, @Req() req: AuthenticatedRequest): Promise<z.infer<typeof withInvitation>> {
    const input = parseOrThrow(createUserBody, body);
    const { user, invitation } = await this.users.create(input, req.principal!.keyId);
    return {
      user: toUserView(user),
      invitation: { url: invitation!.url, expiresAt: invitation!.expiresAt.toISOString() },
    };
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change a user's role, or disable / enable them (disabling ends their sessions)" })
  @ApiBody({ schema: openApiSchema(updateUserBody) })
  @ApiOkResponse({ schema: openApiSchema(userView) })
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown) {
    return toUserView(await this.users.update(id, parseOrThrow(updateUserBody, body)));
  }

  @Post(':id/invitation')
  @ApiOperation({ summary: 'A new invitation link (lost link, forgotten password); in this response only' })
  @ApiCreatedResponse({ schema: openApiSchema(invitationView) })
  async reinvite(@Param('id', new ParseUUIDPipe()) id: string) {
    const link = await this.users.reinvite(id);
    return { url: link.url, expiresAt: link.expiresAt.toISOString() };
  }
}
