/** What analytics resolvers pass between types, where it differs from the SDL's shape. */

/** An event as a reference from the gateway: only its key. */
export interface EventModel {
  id: string;
}
