import type { BaseContext } from '@platform/service-kit';

export type Context = BaseContext;
