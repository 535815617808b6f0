/** What resolvers return for the schema's object types (codegen maps `<Type>Model` to `<Type>`). */

export interface NotificationModel {
  id: string;
  userId: string;
  kind: string;
  title: string;
  body: string;
  createdAt: Date;
  readAt: Date | null;
}

export interface NotificationPreferenceModel {
  kind: string;
  email: boolean;
  inApp: boolean;
  critical: boolean;
}

/** A user as notifications knows them: the reference the gateway sends. */
export interface UserModel {
  id: string;
}
