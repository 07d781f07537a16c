// The run's own handshakes, noted for the sweep at its end: only the newest to a target counts,
// and only when it saw the new leaf, recently. Fake probes with fixed answers; no network.
import { describe, expect, it } from 'vitest';
import { type ProbeFn } from '../../../src/probe/shared.js';
import { type ProbeResult, type ProbeTarget } from '../../../src/probe/types.js';
import { provenOr, witnessProbe, WITNESS_FRESH_MS } from '../../../src/probe/witness.js';
import { FP_A, FP_B, NOW, cert, failed, ok } from './fixtures.js';

const target: ProbeTarget = { address: '127.0.0.1', port: 443, sni: 'app.test' };
const at = (ms: number) => new Date(ms).toISOString();

/** A probe that gives `answers` in turn, counting the handshakes it made. */
function scripted(...answers: ProbeResult[]): { probe: ProbeFn; made: () => number } {
  let n = 0;
  const probe: ProbeFn = (t) =>
    Promise.resolve({ ...answers[Math.min(n++, answers.length - 1)]!, target: t });
  return { probe, made: () => n };
}

describe('the witness of a run', () => {
  it('gives the sweep the newest handshake that saw the new leaf, without another', async () => {
    const run = scripted(
      ok(cert(FP_B, 90), { at: at(NOW) }),
      ok(cert(FP_A, 90), { at: at(NOW + 1) }),
    );
    const w = witnessProbe(run.probe);
    await w.probe(target); // the capture: the old leaf (B)
    await w.probe(target); // verification: the new leaf (A)
    const sweep = scripted(failed('refused'));
    const asked = provenOr(sweep.probe, w, FP_A.toUpperCase(), WITNESS_FRESH_MS, () => NOW + 5_000);
    const r = await asked(target);
    expect(r.ok && r.leaf.sha256).toBe(FP_A);
    expect(sweep.made()).toBe(0);
    // Another name, another port, another framing: never noted, so probed.
    await asked({ ...target, sni: 'other.test' });
    await asked({ ...target, port: 8443 });
    await asked({ ...target, protocol: 'nettcp' });
    expect(sweep.made()).toBe(3);
  });

  it('probes afresh where the newest handshake saw something else, failed, or is too old', async () => {
    const sweepOf = async (answers: ProbeResult[], nowMs: number) => {
      const w = witnessProbe(scripted(...answers).probe);
      for (let i = 0; i < answers.length; i++) await w.probe(target);
      const sweep = scripted(failed('refused'));
      await provenOr(sweep.probe, w, FP_A, WITNESS_FRESH_MS, () => nowMs)(target);
      return sweep.made();
    };
    const sawNew = ok(cert(FP_A, 90), { at: at(NOW) });
    // A rollback's probe after verification saw the previous leaf again.
    expect(await sweepOf([sawNew, ok(cert(FP_B, 90), { at: at(NOW + 1) })], NOW + 10)).toBe(1);
    expect(await sweepOf([sawNew, { ...failed('reset'), at: at(NOW + 1) }], NOW + 10)).toBe(1);
    expect(await sweepOf([sawNew], NOW + WITNESS_FRESH_MS + 1)).toBe(1);
    expect(await sweepOf([sawNew], NOW + WITNESS_FRESH_MS)).toBe(0);
  });

  it('keeps the handshake that started last when two finish out of order', async () => {
    const late = ok(cert(FP_B, 90), { at: at(NOW + 10) });
    const early = ok(cert(FP_A, 90), { at: at(NOW) });
    const w = witnessProbe(scripted(late, early).probe);
    await w.probe(target);
    await w.probe(target);
    expect(w.latest(target)?.at).toBe(at(NOW + 10));
  });
});
