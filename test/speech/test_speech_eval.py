"""The speech evaluation set (issue 16): its shape, the balanced design, the noises, and a
regression floor on a small fixed subset of the test part (scored only, never tuned on)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from cockpit_ai.speech import SpeechError, evalset
from cockpit_ai.speech.asr import FasterWhisperBackend
from cockpit_ai.speech.pipeline import PipelineConfig, SpeechPipeline
from cockpit_ai.speech.synth import make_noise
from cockpit_ai.speech.text import word_error_rate

EVAL = Path(__file__).resolve().parent / "eval"


@pytest.fixture(scope="module")
def parts() -> dict[str, list[evalset.EvalItem]]:
    return {p: evalset.load_part(EVAL / f"{p}.yaml") for p in evalset.PARTS}


def test_set_has_at_least_150_phrases_in_two_disjoint_parts(parts: dict) -> None:
    dev, test = parts["dev"], parts["test"]
    assert len(dev) + len(test) >= 150 and min(len(dev), len(test)) >= 75
    assert all(i.id.startswith("d-") for i in dev) and all(i.id.startswith("t-") for i in test)
    assert not {i.text for i in dev} & {i.text for i in test}
    # both parts name real streets and places of the bundled extract, and ask the follow-ups
    for items in (dev, test):
        texts = " ".join(i.text for i in items)
        assert "katu" in texts and "the second one" in texts


def test_bad_part_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("- {id: a, text: one}\n- {id: a, text: two}\n")
    with pytest.raises(SpeechError, match="duplicate"):
        evalset.load_part(bad)
    bad.write_text("- {id: a}\n")
    with pytest.raises(SpeechError, match="needs id and text"):
        evalset.load_part(bad)


def test_design_is_balanced(parts: dict) -> None:
    items = parts["test"]
    conds = evalset.design(items)
    assert len(conds) == len(items) * len(evalset.SNRS_DB)  # not the full cross product
    cells = Counter((c.kind, c.snr_db) for c in conds)
    assert len(cells) == len(evalset.KINDS) * len(evalset.SNRS_DB)
    assert max(cells.values()) - min(cells.values()) <= 1
    per_item: dict[str, set[str]] = {}
    for c in conds:
        per_item.setdefault(c.item.id, set()).add(c.kind)
    assert all(kinds == set(evalset.KINDS) for kinds in per_item.values())
    assert {c.voice for c in conds} == set(evalset.VOICES)
    assert {c.rate_wpm for c in conds} == set(evalset.RATES_WPM)
    females = {v for v in evalset.VOICES if "+f" in v}
    assert 4 <= len(females) <= len(evalset.VOICES) - 4


def test_render_is_cached_deterministic_and_at_its_snr(parts: dict, tmp_path: Path) -> None:
    cond = evalset.design(parts["dev"][:1])[2]  # engine noise at 10 dB
    a = evalset.render(cond, tmp_path)
    assert list(tmp_path.glob("*.npy"))  # the clean speech is cached
    b = evalset.render(cond, tmp_path)
    assert np.array_equal(a.samples, b.samples)
    clean = evalset.render(evalset.Condition(cond.item, cond.voice, cond.rate_wpm, "clean",
                                             None), tmp_path).samples.astype(np.float64)
    noise = a.samples.astype(np.float64) - clean
    s, e = int(a.speech_start_s * 16000), int(a.speech_end_s * 16000)
    snr = 10 * np.log10(np.mean(clean[s:e] ** 2) / np.mean(noise ** 2))
    assert abs(snr - cond.snr_db) < 0.5


def _band_db(x: np.ndarray, lo: float, hi: float) -> float:
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / 16000)
    return float(10 * np.log10(np.mean(spec[(f >= lo) & (f < hi)])))


def test_noise_kinds_sound_like_what_they_are_called() -> None:
    n = 32000
    slope = {k: _band_db(make_noise(k, n, seed=3), 100, 200) - _band_db(make_noise(k, n, seed=3),
             1000, 2000) for k in ("brown", "pink")}  # fmt: skip
    assert 17 < slope["brown"] < 23 and 7 < slope["pink"] < 13  # 6 and 3 dB per octave
    engine = make_noise("engine", n, seed=3)
    spec = np.abs(np.fft.rfft(engine)) ** 2
    f = np.fft.rfftfreq(n, 1 / 16000)
    assert spec[(f > 25) & (f < 600)].sum() > 0.7 * spec.sum()  # rumble and the engine
    babble = make_noise("babble", n, seed=3)
    env = np.sqrt(np.convolve(babble**2, np.ones(800) / 800, "valid"))[::400]
    pink = make_noise("pink", n, seed=3)
    flat = np.sqrt(np.convolve(pink**2, np.ones(800) / 800, "valid"))[::400]
    assert np.std(env) / np.mean(env) > 2 * np.std(flat) / np.mean(flat)  # voices come and go
    for k in evalset.KINDS:
        x = make_noise(k, n, seed=1)
        assert abs(np.sqrt(np.mean(x**2)) - 1.0) < 1e-6
    with pytest.raises(SpeechError):
        make_noise("rain", 10)


# The regression floor: a fixed subset of the TEST part (every 6th phrase about the car,
# questions and media: no place names, which the context vocabulary is for) at 5 and 10 dB,
# through the default speech core. Only scored; measured 2026-12-07 on this machine (see
# docs/speech.md); the floor leaves room for a different noise seed, not for a regression.
FLOOR_KINDS = ("veh", "q", "med")
FLOOR_EVERY = 6
FLOOR_SNRS = (5.0, 10.0)
FLOOR_MEAN_WER = 0.90  # measured 0.795 (14 utterances, tiny.en, 2026-12-07)


def test_regression_floor_on_fixed_test_items(parts: dict, backend: FasterWhisperBackend,
                                              tmp_path: Path) -> None:
    items = [i for i in parts["test"] if i.id.split("-")[1] in FLOOR_KINDS][::FLOOR_EVERY]
    conds = [c for c in evalset.design(items) if c.snr_db in FLOOR_SNRS]
    assert len(conds) == 2 * len(items) >= 8
    wers = []
    for cond in conds:
        speech = evalset.render(cond, tmp_path)
        pipe = SpeechPipeline(PipelineConfig(), backend=backend)
        utts = []
        for i in range(0, len(speech.samples), 320):
            utts += pipe.push_chunk(speech.samples[i : i + 320], sample_rate=16000,
                                    start_time=i / 16000)
        utts += pipe.flush()
        text = " ".join(r.transcript.text for r in map(pipe.recognise, utts) if r.transcript)
        wers.append(word_error_rate(cond.item.text, text))
    print(f"regression floor: mean WER {np.mean(wers):.3f} over {len(wers)} utterances")
    assert float(np.mean(wers)) <= FLOOR_MEAN_WER, wers
