/**
 * ISO 4217: the active currency codes and each one's minor unit (the number of decimals an
 * amount of it has: JPY 0, EUR 2, BHD 3). Written out rather than read from `Intl`, whose
 * CLDR data rounds some currencies differently for display (IQD, ISK, ...) than ISO does
 * for amounts. Funds and precious metals without a minor unit are left out.
 */
const MINOR_UNIT_EXCEPTIONS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

const ISO_4217_CODES = `
  AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
  CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
  GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
  KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
  NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
  SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW
  UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
`
  .trim()
  .split(/\s+/);

const MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  ISO_4217_CODES.map((code) => [code, MINOR_UNIT_EXCEPTIONS[code] ?? 2]),
);

/** True for an active ISO 4217 code with a minor unit, spelled in capitals (`EUR`, not `eur`). */
export function isCurrencyCode(code: string): boolean {
  return MINOR_UNITS.has(code);
}

/** The minor unit of `code`; throws for a code that is not one (check with `isCurrencyCode` at the boundary). */
export function minorUnitOf(code: string): number {
  const digits = MINOR_UNITS.get(code);
  if (digits === undefined) throw new RangeError(`${code} is not an ISO 4217 currency code`);
  return digits;
}
