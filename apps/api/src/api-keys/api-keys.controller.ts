import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyService, RequireRoles, Role, ROLES, type ApiKey } from '@kizuna/auth';
import { parseOrThrow } from '@kizuna/common';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';

const createKeySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES as [Role, ...Role[]]),
  })
  .strict();

const keyView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES as [Role, ...Role[]]),
  prefix: z.string().describe('the first characters of the key, to recognise it'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

const view = (key: ApiKey): z.infer<typeof keyView> => ({
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
  @ApiBody({ schema: openApiSchema(createKeySchema) })
  @ApiCreatedResponse({ schema: openApiSchema(keyView.extend({ key: z.string() })) })
  async create(@Body() body: unknown) {
    const { name, role } = parseOrThrow(createKeySchema, body);
    const { apiKey, secret } = await this.apiKeys.create(name, role);
    return { ...view(apiKey), key: secret };
  }

  @Get()
  @ApiOperation({ summary: 'List keys (never their secrets)' })
  @ApiOkResponse({ schema: openApiSchema(z.object({ keys: z.array(keyView) })) })
  async list() {
    return { keys: (await this.apiKeys.list()).map(view) };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke a key' })
  @ApiOkResponse({ schema: openApiSchema(keyView) })
  async revoke(@Param('id', new ParseUUIDPipe()) id: string) {
    return view(await this.apiKeys.revoke(id));
  }
}
