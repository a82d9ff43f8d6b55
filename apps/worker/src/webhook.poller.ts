import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KizunaConfig } from '@kizuna/config';
import { DatabaseOutage } from '@kizuna/database';
import { WebhookDeliveryService } from '@kizuna/messaging';
import type { DataSource } from 'typeorm';
import { OutboxPoller } from './outbox.poller';

/** Drains the outbox's webhook calls. */
@Injectable()
export class WebhookPoller extends OutboxPoller {
  constructor(
    delivery: WebhookDeliveryService,
    config: KizunaConfig,
    @InjectDataSource() dataSource: DataSource,
    outage: DatabaseOutage,
  ) {
    super(delivery, config, dataSource, outage);
  }
}
