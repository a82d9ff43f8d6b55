import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles, Role } from '@kizuna/auth';
import { CustomersErrorCode, CustomersException } from '@kizuna/customers';
import { JourneysService } from '@kizuna/journeys';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
@RequireRoles(Role.Marketer, Role.Ops)
export class CustomerJourneysController {
  constructor(private readonly journeys: JourneysService) {}

  @Get(':customerId/journeys')
  @ApiOperation({ summary: "A customer's journey instances: current state and history" })
  async list(@Param('customerId') customerId: string) {
    const found = await this.journeys.forCustomer(customerId);
    if (!found) {
      throw new CustomersException(CustomersErrorCode.CustomerNotFound, `No customer ${customerId}`);
    }
    return {
      instances: found.instances.map((i) => ({
        id: i.id,
        journeyId: i.journeyId,
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
