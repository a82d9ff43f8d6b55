import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KizunaConfig } from '@kizuna/config';
import { DatabaseOutage } from '@kizuna/database';
import { EmailDeliveryService } from '@kizuna/messaging';
import type { DataSource } from 'typeorm';
import { OutboxPoller } from './outbox.poller';

/** Drains the outbox's email. */
@Injectable()
export class DeliveryPoller extends OutboxPoller {
  constructor(
    delivery: EmailDeliveryService,
    config: KizunaConfig,
    @InjectDataSource() dataSource: DataSource,
    outage: DatabaseOutage,
  ) {
    super(delivery, config, dataSource, outage);
  }
}
