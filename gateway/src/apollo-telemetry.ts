/**
 * @apollo/gateway (2.14) starts an OpenTelemetry exporter that reports usage data to Apollo,
 * probing cloud metadata endpoints on the way, unless APOLLO_TELEMETRY_DISABLED is set. The
 * library reads only that variable, so it is set here, before any gateway is built: the
 * platform never sends data anywhere its operator did not configure.
 */
export function disableApolloGatewayTelemetry(): void {
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
}
