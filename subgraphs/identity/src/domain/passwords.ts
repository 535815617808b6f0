/**
 * Password hashing with argon2id. Parameters come from configuration; a stored hash made
 * with other parameters is upgraded the next time its password is verified. A dummy hash,
 * made once at start with the same parameters, lets unknown accounts cost the same time as
 * known ones.
 *
 * argon2 runs on libuv's threadpool (4 threads by default), which this process shares with
 * everything else asynchronous and CPU-bound: WebCrypto signing (access tokens, gateway
 * proofs, all EdDSA through jose), file system calls and DNS lookups. At most one hash per
 * core runs at once; the rest wait here, in order, not in the threadpool's queue, where a
 * 1 ms signature would wait behind every 23 ms hash already queued. More at once would not
 * hash faster (each is one lane, `parallelism` 1, on one core).
 */
import { availableParallelism } from 'node:os';
import * as argon2 from 'argon2';
import { randomToken } from '@platform/service-kit';

/** OWASP's floor for argon2id (19 MiB, 2 iterations, 1 lane); configuration refuses weaker settings. */
export const ARGON2_MINIMUM = { memoryKib: 19456, iterations: 2, parallelism: 1 } as const;

export interface Argon2Parameters {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

export interface PasswordCheck {
  valid: boolean;
  /** True when the password matched but the hash was made with other parameters. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(storedHash: string, password: string): Promise<PasswordCheck>;
  /** Spends the time of a real verification and fails: for accounts that do not exist. */
  verifyDummy(password: string): Promise<PasswordCheck>;
}

/**
 * `onVerification` is told of every argon2 verification, real (`account`) or against the
 * dummy hash (`dummy`): the metric it feeds shows that unknown accounts cost the same work.
 */
export async function createPasswordHasher(
  parameters: Argon2Parameters,
  onVerification: (target: 'account' | 'dummy') => void = () => undefined,
  maxConcurrent = availableParallelism(),
): Promise<PasswordHasher> {
  const limited = concurrencyLimit(maxConcurrent);
  const options: argon2.HashOptions = {
    type: argon2.argon2id,
    memoryCost: parameters.memoryKib,
    timeCost: parameters.iterations,
    parallelism: parameters.parallelism,
  };
  const hash = (password: string) => limited(() => argon2.hash(password, options));
  const dummyHash = await hash(randomToken());

  const verify = async (storedHash: string, password: string): Promise<PasswordCheck> => {
    let valid: boolean;
    try {
      valid = await limited(() => argon2.verify(storedHash, password));
    } catch {
      // A malformed stored hash can never match; treat it like a wrong password.
      valid = false;
    }
    const outdated = !storedHash.startsWith('$argon2id$') || argon2.needsRehash(storedHash, options);
    return { valid, needsRehash: valid && outdated };
  };

  return {
    hash,
    async verify(storedHash, password) {
      onVerification('account');
      return verify(storedHash, password);
    },
    async verifyDummy(password) {
      onVerification('dummy');
      await verify(dummyHash, password);
      return { valid: false, needsRehash: false };
    },
  };
}

/** Runs at most `max` tasks at once; the others start in call order as slots free up. */
function concurrencyLimit(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active < max) active += 1;
    // The slot is handed over by the task that ends (`active` unchanged).
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}
