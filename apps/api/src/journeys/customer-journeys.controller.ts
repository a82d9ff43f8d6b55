import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { CustomersErrorCode, CustomersException } from '@kizuna/customers';
import { JourneysService } from '@kizuna/journeys';
import { z } from 'zod';
import { openApiSchema } from '../http/openapi-schema';

const instant = z.string().describe('ISO-8601 date-time');
const instancesView = z.object({
  instances: z.array(
    z.object({
      id: z.string(),
      journeyId: z.string(),
      journeyName: z.string().nullable(),
      version: z.number().int(),
      key: z.string().nullable(),
      entryCount: z.number().int(),
      status: z.string(),
      currentStep: z.string().nullable(),
      enteredAt: instant,
      exitedAt: instant.nullable(),
      exitReason: z.string().nullable(),
      heldOut: z.boolean(),
      goalReachedAt: instant.nullable(),
      nextTimer: z
        .object({ event: z.string(), dueAt: instant })
        .nullable()
        .describe('the earliest timer the instance waits on; null when none'),
      history: z.array(
        z.object({
          entry: z.number().int(),
          version: z.number().int(),
          kind: z.string(),
          stepId: z.string().nullable(),
          reason: z.string().nullable(),
          at: instant,
        }),
      ),
    }),
  ),
});

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
@RequireRoles(Role.Marketer, Role.Ops)
export class CustomerJourneysController {
  constructor(private readonly journeys: JourneysService) {}

  @Get(':customerId/journeys')
  @ApiOperation({ summary: "A customer's journey instances: current state, next timer and history" })
  @ApiOkResponse({ schema: openApiSchema(instancesView) })
  async list(@Param('customerId') customerId: string): Promise<z.infer<typeof instancesView>> {
    const found = await this.journeys.forCustomer(customerId);
    if (!found) {
      throw new CustomersException(CustomersErrorCode.CustomerNotFound, `No customer ${customerId}`);
    }
    return {
      instances: found.instances.map((i) => ({
        id: i.id,
        journeyId: i.journeyId,
        journeyName: found.journeyNames.get(i.journeyId) ?? null,
        version: i.version,
        key: i.key === '' ? null : i.key,
        entryCount: i.entryCount,
        status: i.status,
        currentStep: i.currentStep ?? null,
        enteredAt: new Date(i.enteredAt).toISOString(),
        exitedAt: i.exitedAt === undefined ? null : new Date(i.exitedAt).toISOString(),
        exitReason: i.exitReason ?? null,
        heldOut: i.holdout,
        goalReachedAt: i.goalReachedAt === undefined ? null : new Date(i.goalReachedAt).toISOString(),
        nextTimer: timerView(found.nextTimers.get(i.id)),
        history: found.history
          .filter((h) => h.instanceId === i.id)
          .map((h) => ({
            entry: h.entryCount,
            version: h.version,
            kind: h.kind,
            stepId: h.stepId,
            reason: h.reason,
            at: h.at.toISOString(),
          })),
      })),
    };
  }
}

const timerView = (timer: { event: string; dueAt: Date } | undefined) =>
  timer ? { event: timer.event, dueAt: timer.dueAt.toISOString() } : null;
