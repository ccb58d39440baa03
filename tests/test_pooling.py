"""Solo versus pooled: never worse, ledgers that add up, lonely trips, handovers, privacy."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zorgroute import pooling
from zorgroute.check import check_plan
from zorgroute.model import Night
from zorgroute.solver import SolveOptions

from .test_solver import grid_matrices, night_of, random_night, shift, visit

FAST = SolveOptions(time_limit_s=5, max_solutions=150)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_visits=st.integers(1, 14), n_shifts=st.integers(2, 4))
def test_pooled_never_worse_than_solo(seed: int, n_visits: int, n_shifts: int) -> None:
    night = random_night(seed, n_visits, n_shifts)
    matrices = grid_matrices(night)
    c = pooling.compare(night, matrices, FAST)
    assert c.pooled.objective <= c.solo.objective
    assert check_plan(night, matrices, c.solo, pooled=False) == []
    assert check_plan(night, matrices, c.pooled, pooled=True) == []
    # the ledgers add up to the plans
    assert sum(x.pooled_km for x in c.providers) == pytest.approx(c.total.pooled_km, abs=0.01)
    assert sum(x.solo_km for x in c.providers) == pytest.approx(c.total.solo_km, abs=0.01)
    assert sum(x.served_for_others for x in c.providers) == sum(
        x.served_by_others for x in c.providers
    )
    assert sum(x.settlement_eur for x in c.providers) == pytest.approx(0, abs=0.05)


def village_night() -> Night:
    """A's nurse drives 12 km to one client in a village B's nurse is visiting anyway."""
    east = 6 + 12 / 68.46
    visits = [
        visit("a1", "A", 12, 0, 1, 1.5, pooling=True),
        visit("b1", "B", 12.2, 0.1, 1, 1.5),
        visit("b2", "B", 12.1, -0.1, 1.2, 2),
    ]
    shifts = [shift("sa", "A"), shift("sb", "B", start_lon=east, end_lon=east)]
    return night_of(visits, shifts)


def test_lonely_trip_counted_solo_and_gone_pooled() -> None:
    night = village_night()
    c = pooling.compare(night, grid_matrices(night), FAST)
    by_name = {x.name: x for x in c.providers}
    assert by_name["A"].solo_lonely_trips == 1
    assert by_name["A"].pooled_lonely_trips == 0
    assert by_name["B"].served_for_others == 1 and by_name["A"].served_by_others == 1
    assert by_name["B"].settlement_eur > 0 > by_name["A"].settlement_eur
    assert c.total.pooled_km < c.total.solo_km / 2
    assert by_name["A"].pooled_co2_kg < by_name["A"].solo_co2_kg


def test_handover_cost_keeps_visits_home() -> None:
    night = village_night()
    matrices = grid_matrices(night)
    free = pooling.compare(night, matrices, FAST)
    costly = pooling.compare(
        night, matrices, FAST, pooling.PoolingSettings(handover_cost_s=100_000)
    )
    assert free.total.served_by_others == 1
    assert costly.total.served_by_others == 0


def test_handover_cap_binds() -> None:
    night = village_night()
    matrices = grid_matrices(night)
    capped = pooling.compare(night, matrices, FAST, pooling.PoolingSettings(handover_cap={"A": 0}))
    assert {x.name: x.served_by_others for x in capped.providers}["A"] == 0
    assert check_plan(night, matrices, capped.pooled) == []
    # a cap of one lets the handover happen
    loose = pooling.compare(night, matrices, FAST, pooling.PoolingSettings(handover_cap={"A": 1}))
    assert {x.name: x.served_by_others for x in loose.providers}["A"] == 1


def test_subnight_keeps_travel_of_its_locations() -> None:
    night = random_night(5, 10, 3)
    matrices = grid_matrices(night)
    sub, sub_m = pooling.subnight(night, matrices, [night.providers[0]])
    assert {v.provider for v in sub.visits} <= {night.providers[0]}
    full = {v.visit_id: i for i, v in enumerate(night.visits)}
    for a, va in enumerate(sub.visits):
        for b, vb in enumerate(sub.visits):
            assert (
                sub_m.duration_s["car"][a, b]
                == matrices.duration_s["car"][full[va.visit_id], full[vb.visit_id]]
            )


def test_coalition_cost_is_never_more_than_apart() -> None:
    night = random_night(12, 12, 3)
    matrices = grid_matrices(night)
    c = pooling.compare(night, matrices, FAST)
    cost = pooling.coalition_cost(night, matrices, c.solo, FAST, c.settings)
    players = list(night.providers)
    alone = {p: cost(frozenset([p])) for p in players}
    assert cost(frozenset(players)) <= sum(alone.values()) + 1e-9
    assert cost(frozenset()) == 0


def test_provider_view_hides_other_clients() -> None:
    night = village_night()
    c = pooling.compare(night, grid_matrices(night), FAST)
    text = json.dumps(pooling.provider_view(c, "A"))
    for v in night.visits:
        if v.provider == "B":
            assert v.client_id not in text
            assert repr(v.lat) not in text and repr(v.lon) not in text
        else:
            assert v.client_id in text and repr(v.lon) in text


def test_handover_sweep_curve() -> None:
    night = village_night()
    table = pooling.handover_sweep(night, grid_matrices(night), FAST, costs_s=(0, 100_000))
    assert list(table["handovers"]) == [1, 0, 0]
    assert table["km_saved"].iloc[0] > 0 and table["km_saved"].iloc[-1] == 0


def test_provider_view_of_unknown_provider() -> None:
    from zorgroute.exceptions import InputError

    night = village_night()
    c = pooling.compare(night, grid_matrices(night), FAST)
    with pytest.raises(InputError, match="unknown provider"):
        pooling.provider_view(c, "Z")
    assert all(name.startswith("area ") for name in c.village_of.values())
