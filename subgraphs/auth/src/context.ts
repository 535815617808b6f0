/** The context every auth resolver receives: the kit's base context plus auth's services. */
import type { BaseContext } from '@platform/service-kit';
import type DataLoader from 'dataloader';
import type { SessionService } from './domain/session-service.js';
import type { SessionModel } from './mappers.js';

export interface Context extends BaseContext {
  sessions: SessionService;
  /** A user's active sessions, batched per request. */
  activeSessionsByUserId: DataLoader<string, SessionModel[]>;
}
