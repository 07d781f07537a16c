// The options every command shares, built in one place so that a flag has one name, one meaning
// and one parser everywhere: --trust, --env and --host repeat; a bundle's key and password come
// from --key, --password-file and --password-env; numbers and durations are checked by
// commander's own parsers, so a bad value is a usage error (exit 64) before anything runs.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ageMs, DURATION, durationMs } from '../inventory/duration.js';

export const collect = (value: string, previous: readonly string[] = []): string[] => [
  ...previous,
  value,
];

/** A whole number from min to max, kept as its decimal string (the checked-values modules parse it). */
export function wholeNumber(min: number, max: number): (value: string) => string {
  return (value) => {
    if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return String(Number(value));
  };
}

/** Days: `30` or `30d`; as the decimal string of the number of days. */
export function days(max = 3650): (value: string) => string {
  const n = wholeNumber(0, max);
  return (value) => {
    try {
      return n(value.replace(/d$/, ''));
    } catch {
      throw new InvalidArgumentError(`expected a number of days such as 30 or 30d (0 to ${max}).`);
    }
  };
}

/**
 * A duration as the inventory writes it (`500ms`, `5s`, `2m`, `1h30m`), or a bare number of
 * milliseconds (what these options took before units); as the decimal string of milliseconds.
 */
export function duration(minMs: number, maxMs: number): (value: string) => string {
  return (value) => {
    const ms = /^\d{1,9}$/.test(value)
      ? Number(value)
      : value !== '' && DURATION.test(value)
        ? durationMs(value)
        : Number.NaN;
    if (!Number.isFinite(ms) || ms < minMs || ms > maxMs)
      throw new InvalidArgumentError(
        `expected a duration such as 500ms, 5s or 2m (bare numbers are milliseconds), from ${minMs}ms to ${maxMs / 1000}s.`,
      );
    return String(ms);
  };
}

/** `--format` and the like: one of a fixed set, checked by commander. */
export function choice(flags: string, help: string, values: readonly string[]): Option {
  return new Option(flags, help).choices(values);
}

export const trustOption = (c: Command, what = 'the gate and the probes'): Command =>
  c.option(
    '--trust <file>',
    `trust anchors (PEM) for ${what}, instead of Node's bundled Mozilla roots; repeatable`,
    collect,
    [],
  );

/** `--env` and `--host`, repeatable, narrowing the inventory like Ansible's --limit. */
export const selectOptions = (c: Command): Command =>
  c
    .option('--env <name>', 'only this environment; repeatable', collect, [])
    .option('--host <name>', 'only this host (like ansible --limit); repeatable', collect, []);

/** The password of a PFX or the passphrase of a key: never a value on the command line. */
export const passwordOptions = (c: Command): Command =>
  c
    .option('--password-file <file>', 'file (mode 0600) holding the PFX password or key passphrase')
    .option(
      '--password-env <variable>',
      'environment variable holding the PFX password or key passphrase',
    );

/** What reads a bundle: its key when the bundle has none, and the password. */
export const bundleKeyOptions = (c: Command): Command =>
  passwordOptions(c.option('--key <file>', 'private key file (PEM), when the bundle has none'));

/**
 * An old flag kept working, hidden from --help, with a note on stderr naming the new one; the
 * value lands where the new flag's would.
 */
export function deprecatedAlias(
  c: Command,
  flags: string,
  replacement: string,
  target: string,
  note: (text: string) => void,
): Command {
  const option = new Option(flags).hideHelp();
  c.addOption(option);
  c.on(`option:${option.name()}`, (value: string) => {
    note(`certroll: ${option.long ?? flags} is deprecated; use ${replacement}\n`);
    c.setOptionValueWithSource(target, value, 'cli');
  });
  return c;
}

/** An age such as `30d`, `12h` or `1d12h` (days, then the inventory's units); as milliseconds. */
export function age(): (value: string) => string {
  return (value) => {
    const ms = ageMs(value);
    if (!Number.isFinite(ms) || ms <= 0)
      throw new InvalidArgumentError(
        'expected an age such as 30d, 12h or 1d12h (days, then the inventory duration units h, m, s, ms).',
      );
    return String(ms);
  };
}
