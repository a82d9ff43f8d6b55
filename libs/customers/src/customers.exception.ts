import { DomainException } from '@kizuna/common';

export enum CustomersErrorCode {
  CustomerNotFound = 'CUSTOMER_NOT_FOUND',
  InvalidCursor = 'INVALID_CURSOR',
}

export class CustomersException extends DomainException<CustomersErrorCode> {}
