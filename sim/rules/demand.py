"""Weekly customer demand in tonnes per material: size, growth, season, EV mix and noise."""

from __future__ import annotations

import numpy as np

CNY_DIP_WEEK = 5  # Chinese New Year: the seasonal trough of automotive output


def material_mix(ev: float, exposure: np.ndarray, ev_native: np.ndarray,
                 mix_ice: np.ndarray, mix_ev: np.ndarray) -> np.ndarray:
    """Per-customer material mix (N x M), between the ICE and the EV mix.

    A customer's EV weight is 1 when it is EV-native, else ``exposure * ev``.
    """
    w = np.where(ev_native, 1.0, exposure * ev)[:, None]
    return (1.0 - w) * mix_ice[None, :] + w * mix_ev[None, :]


def seasonal_factor(week: int, amplitude: np.ndarray) -> np.ndarray:
    """``1 - amplitude * cos(2 pi (week - dip) / 52)``: lowest around Chinese New Year."""
    return 1.0 - amplitude * np.cos(2.0 * np.pi * ((week % 52) - CNY_DIP_WEEK) / 52.0)


def lognormal_noise(z: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Mean-one log-normal multipliers from standard normal draws ``z``."""
    return np.exp(sd * z - 0.5 * sd * sd)


def weekly_demand(size: np.ndarray, season: np.ndarray, noise: np.ndarray,
                  mix: np.ndarray) -> np.ndarray:
    """Tonnes demanded this week per customer and material (N x M)."""
    return (size * season * noise)[:, None] * mix
