import { Foundation1763700000000 } from './1763700000000-foundation';
import { Outbox1763800000000 } from './1763800000000-outbox';
import { Journeys1763900000000 } from './1763900000000-journeys';
import { Email1764000000000 } from './1764000000000-email';
import { Segments1764100000000 } from './1764100000000-segments';
import { SendingPolicy1764200000000 } from './1764200000000-sending-policy';
import { TimersByJourney1764300000000 } from './1764300000000-timers-by-journey';
import { DeliveryLeaseOwner1764400100000 } from './1764400100000-delivery-lease-owner';
import { ImportedHistory1764500000000 } from './1764500000000-imported-history';
import { ConsoleUsers1764600000000 } from './1764600000000-console-users';
import { OrderRefunds1764700000000 } from './1764700000000-order-refunds';
import { ConsoleLookups1764800200000 } from './1764800200000-console-lookups';
import { InstancesAtStep1764800100000 } from './1764800100000-instances-at-step';
import { MessageAnalytics1764810000000 } from './1764810000000-message-analytics';
import { ShopAnalytics1764820000000 } from './1764820000000-shop-analytics';
import { JourneyEntries1764830000000 } from './1764830000000-journey-entries';
import { JourneyCounts1764840000000 } from './1764840000000-journey-counts';

/** Every migration, in order. New migrations are appended here. */
export const MIGRATIONS = [
  Foundation1763700000000,
  Outbox1763800000000,
  Journeys1763900000000,
  Email1764000000000,
  Segments1764100000000,
  SendingPolicy1764200000000,
  TimersByJourney1764300000000,
  DeliveryLeaseOwner1764400100000,
  ImportedHistory1764500000000,
  ConsoleUsers1764600000000,
  OrderRefunds1764700000000,
  ConsoleLookups1764800200000,
  InstancesAtStep1764800100000,
  MessageAnalytics1764810000000,
  ShopAnalytics1764820000000,
  JourneyEntries1764830000000,
  JourneyCounts1764840000000,
];
