import { Module } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { DeliveryModule } from '../delivery/delivery.module';
import { SendingPolicy } from './sending-policy';
import { SendingPolicyService } from './sending-policy.service';
import { SuppressionRepository } from './suppression.repository';

/**
 * The sending policy, decided at send time for claimed email: the suppression list, consent,
 * frequency caps and quiet hours (FREQUENCY_CAP_RULES, QUIET_HOURS, DEFAULT_TIMEZONE).
 */
@Module({
  imports: [DeliveryModule],
  providers: [
    SendingPolicyService,
    SuppressionRepository,
    {
      provide: SendingPolicy,
      useFactory: (config: KizunaConfig) => new SendingPolicy(config.sendingPolicy),
      inject: [KizunaConfig],
    },
  ],
  exports: [SendingPolicyService, SuppressionRepository],
})
export class SendingPolicyModule {}
