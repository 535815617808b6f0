/**
 * `npm start`: the whole supergraph on one machine, on embedded defaults. Prints the
 * Sandbox URL and stops everything cleanly on Ctrl-C; a second start keeps the data.
 * Tracing (off unless the `OTEL_*` variables ask for it) starts before anything else loads.
 */
import { startTelemetry, stopTelemetry } from '@platform/service-kit/telemetry';

try {
  await startTelemetry({ serviceName: 'platform' });
} catch (error) {
  process.stderr.write(`[platform] ${(error as Error).message}\n`);
  process.exit(1);
}
const { ConfigError } = await import('@platform/service-kit');
const { launchPlatform, loadLauncherConfig } = await import('../platform/launch.js');
type LaunchedPlatform = Awaited<ReturnType<typeof launchPlatform>>;

const say = (line: string) => process.stdout.write(`[platform] ${line}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  let platform: LaunchedPlatform | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await platform?.stop();
    await stopTelemetry();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    platform = await launchPlatform(loadLauncherConfig(), say);
  } catch (error) {
    process.stderr.write(
      error instanceof ConfigError ? `${error.message}\n` : `[platform] failed to start: ${(error as Error).message}\n`,
    );
    process.exit(1);
  }
  say(`supergraph ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`GraphQL endpoint and Apollo Sandbox: ${platform.gatewayUrl}`);
  say('press Ctrl-C to stop');
  const crashed = await platform.crashed;
  say(`${crashed} stopped unexpectedly; stopping the platform`);
  await shutdown(1);
}

await main();
