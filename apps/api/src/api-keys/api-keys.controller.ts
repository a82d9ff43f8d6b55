import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyService, RequireRoles, Role, ROLES, type ApiKey } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import { z } from 'zod';

const createKeySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES as [Role, ...Role[]]),
  })
  .strict();

const view = (key: ApiKey) => ({
  id: key.id,
  name: key.name,
  role: key.role,
  prefix: key.keyPrefix,
  createdAt: key.createdAt.toISOString(),
  lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  revokedAt: key.revokedAt?.toISOString() ?? null,
});

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
@RequireRoles(Role.Admin)
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Post()
  @ApiOperation({ summary: 'Create a key; the secret is in this response only' })
  async create(@Body() body: unknown) {
    const { name, role } = parseOrThrow(createKeySchema, body);
    const { apiKey, secret } = await this.apiKeys.create(name, role);
    return { ...view(apiKey), key: secret };
  }

  @Get()
  @ApiOperation({ summary: 'List keys (never their secrets)' })
  async list() {
    return { keys: (await this.apiKeys.list()).map(view) };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke a key' })
  async revoke(@Param('id', new ParseUUIDPipe()) id: string) {
    return view(await this.apiKeys.revoke(id));
  }
}
