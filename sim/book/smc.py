"""The posterior of a calibration by ABC-SMC (pyabc).

Owns the ABC-SMC step of ``kamsim calibrate``: uniform priors over the free parameters'
ranges, pyabc's sequential Monte Carlo (multivariate normal perturbation, an epsilon at the
median of the previous population's distances, from a given first epsilon down to a given
floor), and the posterior it leaves: the last population's particles with their weights.

Each particle is simulated ``replications`` times on common random numbers (the same seeds
for every particle, the sweep's ``run_seed``); its figures are the means over them, and its
distance the calibration's (``sim.book.search.distance``: the root mean square over the
fitted targets of ``(model - observed) / scale``, ``scale`` the target's bootstrap standard
error combined with the replication noise of a particle's mean).

Determinism: pyabc draws proposals from numpy's global generator, so the step runs with
pyabc's single-core sampler in this process, the generator seeded from the calibration's
seed (and restored after); pyabc's mapping and multicore samplers re-seed their workers from
the operating system and are not reproducible. The parallel part is the particle's
replications, sent to kamsim's worker pool or Dask (``_Runner.batch``), each a pure function
of its parameters and seed, so one seed gives the same posterior with any number of workers.
pyabc keeps its populations in a SQLite file in a temporary folder, deleted afterwards.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MIN_POPULATION, MAX_POPULATION = 8, 100
GENERATIONS_PER_BUDGET = 5   # the population is about a fifth of the evaluations left
MIN_ACCEPTANCE = 0.02        # a generation stops drawing after population / this many tries


@dataclass
class Posterior:
    samples: pd.DataFrame        # one row per particle of the last population: values,
                                 # distance, weight (empty if no generation was completed)
    generations: int
    evaluations: int             # particles simulated (each ``replications`` runs)
    epsilons: list[float]


def population_size(evaluations: int) -> int:
    """Particles per generation for a budget of ``evaluations`` particles."""
    return int(np.clip(evaluations // GENERATIONS_PER_BUDGET, MIN_POPULATION, MAX_POPULATION))


def run(free: list[tuple[str, float, float]], simulate: Callable[[dict[str, float]], dict],
        distance: Callable[[dict, dict], float], observed: dict[str, float], *,
        evaluations: int, initial_epsilon: float, minimum_epsilon: float,
        seed: int) -> Posterior:
    """ABC-SMC over ``free`` (key, low, high): one generation after another while the
    budget of ``evaluations`` particles allows a whole one (a generation that would need more
    stops unfinished and is dropped) and epsilon is above ``minimum_epsilon``. ``simulate``
    maps values (dotted keys) to the mean figures of the particle's replications;
    ``distance(figures, observed)``."""
    import pyabc

    names = {f"p{i}": key for i, (key, _, _) in enumerate(free)}
    calls = [0]
    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", lo, hi - lo)
                                  for i, (_, lo, hi) in enumerate(free)})

    def model(par: dict) -> dict:
        calls[0] += 1
        return simulate({names[k]: float(par[k]) for k in names})

    pop = population_size(evaluations)
    for name in ("ABC", "ABC.History", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon",
                 "ABC.Transition", "ABC.Population", "ABC.Predictor"):
        logging.getLogger(name).setLevel(logging.WARNING)
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        abc = pyabc.ABCSMC(
            model, prior, distance, population_size=pop,
            eps=pyabc.QuantileEpsilon(initial_epsilon=float(initial_epsilon), alpha=0.5),
            sampler=pyabc.sampler.SingleCoreSampler(check_max_eval=True))
        abc.sampler.show_progress = False
        with tempfile.TemporaryDirectory(prefix="kamsim-abc-") as tmp:
            abc.new("sqlite:///" + str(Path(tmp) / "abc.db"),
                    {k: float(v) for k, v in observed.items()})
            history = abc.history
            while evaluations - calls[0] >= pop:
                done = history.max_t
                # a generation may use what is left of the budget, and no more
                abc.run(max_nr_populations=1, minimum_epsilon=minimum_epsilon,
                        min_acceptance_rate=max(MIN_ACCEPTANCE,
                                                pop / (evaluations - calls[0])))
                if history.max_t == done or abc.eps(history.max_t + 1) <= minimum_epsilon:
                    break
            posterior = (_last_population(history, names) if history.max_t >= 0 else
                         pd.DataFrame(columns=[*names.values(), "distance", "weight"]))
            pops = history.get_all_populations()
            pops = pops[pops["t"] >= 0]
            out = Posterior(posterior, int(len(pops)), calls[0],
                            [float(e) for e in pops["epsilon"]])
    finally:
        np.random.set_state(state)
    return out


def _last_population(history, names: dict[str, str]) -> pd.DataFrame:
    """The last population: one row per particle (dotted keys, distance, weight)."""
    rows = [{**{names[k]: float(v) for k, v in pt.parameter.items()},
             "distance": float(pt.distance), "weight": float(pt.weight)}
            for pt in history.get_population().particles]
    frame = pd.DataFrame(rows, columns=[*names.values(), "distance", "weight"])
    frame["weight"] /= frame["weight"].sum()
    return frame
