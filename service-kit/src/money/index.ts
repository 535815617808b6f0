/** Money, decimals, currencies, exchange rates, calendar dates and time zones: once, for every subgraph. */
export * from './calendar.js';
export * from './currencies.js';
export * from './decimal.js';
export * from './exchange-rates.js';
export * from './money.js';
