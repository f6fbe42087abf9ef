"""Notebook 07's defences against the course's attacks: ours beside the papers'.

PRADA (Juuti et al. 2019) watching every attack of the course and hundreds of
benign clients, and the attacker who knows it; the reverse sigmoid (Lee et
al. 2019) against equation solving; ensembles against equation solving,
path finding and retraining; DP-SGD victims (opacus) stolen exactly, and
what the stolen copy reveals about the training data. The drivers are
:mod:`stealkit.paper.defenses`; the results go to
``notebooks/results/defences.json``, which notebook 07 loads.

Run from the repository root: ``python benchmarks/defences.py [--quick]
[--out FILE]`` (about 10 minutes on one core; ``--quick``: one seed, fewer clients).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from stealkit.course import compare_with_paper, jsonable
from stealkit.paper import defenses as D

OUT = Path(__file__).resolve().parents[1] / "notebooks" / "results" / "defences.json"
SEED = 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="one seed, 20 benign clients per data set")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    started = time.perf_counter()
    n_clients, n_cal = (20, 10) if args.quick else (200, 50)

    detection = D.detection_records(n_clients=n_clients, n_calibration=n_cal,
                                    seeds=(SEED,) if args.quick else range(SEED, SEED + 5))
    print(compare_with_paper(detection["benign"], caption="PRADA: benign clients "
                             "(δ calibrated on other clients of the same data)"))
    print(compare_with_paper(detection["attacks"], caption="PRADA against the course's attacks"))
    print("paper:", D.PAPER["prada"], "\n")

    streams = {s.name: s for s in D.attack_streams(n_max=3000, rng=SEED, images=False)}
    evasion = {}
    for name, data, mix in (("Lowd–Meek (labels)", "Adult income", (0.0, 0.25, 0.5, 0.75)),
                            ("path finding (leaf ids)", "German credit", (0.0,))):
        natural = D.benign_streams(data, n_clients=1, n_queries=100_000, rng=SEED + 1)[0]
        evasion[name] = D.evasion_records(streams[name], natural, mix=mix,
                                          delta=detection["deltas"][str(SEED)][data], rng=SEED)
        print(compare_with_paper(evasion[name]["mix"], caption=f"{name}: natural queries mixed in"))
        print(compare_with_paper(evasion[name]["keys"], caption=f"{name}: spread over keys"))

    outputs = D.output_records(rng=SEED)
    print(compare_with_paper(outputs, caption="Limiting the outputs, Adult income (γ = 0.5)"))
    print("paper:", D.PAPER["reverse_sigmoid"], "\n")

    ensembles = D.ensemble_records(rng=SEED)
    print(compare_with_paper(ensembles, caption="Ensembles"))

    privacy = D.privacy_records(rng=SEED)
    print(compare_with_paper([{k: v for k, v in r.items() if k != "prototypes"} for r in privacy],
                             caption="DP-SGD victims on Digits (100 training records)"))

    result = {"command": "python benchmarks/defences.py" + (" --quick" if args.quick else ""),
              "seed": SEED, "seconds": round(time.perf_counter() - started, 1),
              "detection": detection, "evasion": evasion, "outputs": outputs,
              "ensembles": ensembles, "privacy": privacy}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(jsonable(result), indent=1, ensure_ascii=False) + "\n")
    print(f"{result['seconds']:.0f} s → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
