"""A first plan from PyVRP: the one module of zorgroute that speaks PyVRP.

PyVRP's hybrid genetic search finds near-best routes for the plain part of a night (time
windows, shift hours, capacities, optional visits) far faster than OR-Tools' local search:
on the Solomon benchmarks it is within a fraction of a percent of the best known in
seconds, where OR-Tools needs minutes for a few percent. zorgroute gives it a *relaxation*
of the night and starts the OR-Tools search from its routes (:func:`zorgroute.solver.solve`):
OR-Tools remains the engine that enforces every home-care rule, PyVRP only proposes where
to start, and where its routes break a rule OR-Tools repairs them.

What PyVRP sees of a night:

- a vehicle type per shift (one vehicle): its start and end as depots, its hours, its
  capacity, and a route no longer than its hours minus its break (the break itself is not
  placed: the relaxation);
- a client per visit the solver plans, with the visit's location, duration, demand and
  window; a visit with several windows is a group of clients, one per window, of which at
  most one is visited;
- every visit optional, with a prize: a mandatory visit's prize outweighs any route, an
  optional one's is its weight. A night that cannot serve everyone still gets a start;
- which shifts may serve which visit (provider, consent, level, skill, refusals, reach), the
  shift's travel mode, its handover and preference costs and its continuous-drive limit, as
  one routing profile per class of shifts: a copy of the travel matrices in which arriving
  at a visit the class may not serve takes longer than the night.

Profiles cost memory (two matrices each); a night whose profiles would need more than
:data:`MAX_PROFILE_BYTES` is not given to PyVRP (the caller solves from scratch).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from zorgroute.model import Matrices, Night

log = logging.getLogger(__name__)

#: Most memory the profiles' matrices of one night may take.
MAX_PROFILE_BYTES = 2**30


def pyvrp_routes(
    night: Night,
    matrices: Matrices,
    allowed: Mapping[int, Sequence[int]],
    arc_extra: Sequence[NDArray[np.int64]],
    *,
    objective: str,
    mandatory_prize: int,
    optional_prize: Mapping[int, int],
    leg_penalty: int,
    time_limit_s: float,
    seed: int = 0,
) -> dict[str, list[str]] | None:
    """Visit ids per shift id from PyVRP for the visits in ``allowed``.

    Parameters
    ----------
    allowed
        Visit index -> the shifts that may serve it (the visits to plan).
    arc_extra
        Per shift, the cost added on arriving at each visit (by visit index).
    objective
        ``"time"`` (travel seconds) or ``"distance"`` (metres), as the solver's.
    mandatory_prize, optional_prize
        What leaving out a mandatory visit costs, and each optional visit's weight (by
        visit index), in the objective's unit.
    leg_penalty
        Added to a leg longer than its shift's continuous-drive limit.

    Returns ``None`` when the night is too large for PyVRP's profiles.
    """
    import pyvrp
    from pyvrp.exceptions import PenaltyBoundWarning, ScalingWarning
    from pyvrp.stop import MaxRuntime

    n_v, n_s = len(night.visits), len(night.shifts)
    n_loc = n_v + 2 * n_s
    times = [s.start_s for s in night.shifts] + [w.start_s for v in night.visits for w in v.windows]
    offset = max(0, -min(times, default=0))  # keep PyVRP's times non-negative
    horizon = max(s.end_s for s in night.shifts) + offset + 1
    barred = 10 * horizon  # arriving at a visit the shift may not serve: later than the night

    # one profile per class of shifts that see the same matrices
    serves: list[set[int]] = [set() for _ in range(n_s)]
    for i, shifts in allowed.items():
        for k in shifts:
            serves[k].add(i)
    classes: dict[tuple[Any, ...], int] = {}
    profile_of_shift = []
    for k, s in enumerate(night.shifts):
        key = (s.mode, frozenset(serves[k]), arc_extra[k].tobytes(), s.max_leg_drive_s)
        profile_of_shift.append(classes.setdefault(key, len(classes)))
    needed = len(classes) * 2 * n_loc * n_loc * 8
    if needed > MAX_PROFILE_BYTES:
        log.info("no PyVRP start: %d profiles would need %.1f GiB", len(classes), needed / 2**30)
        return None
    distances: list[NDArray[np.int64]] = []
    durations: list[NDArray[np.int64]] = []
    for mode, serve, extra_bytes, limit in classes:
        travel = np.asarray(matrices.duration_s[mode], dtype=np.int64)
        metres = np.asarray(matrices.distance_m[mode], dtype=np.int64)
        cost = (travel if objective == "time" else metres).copy()
        extra = np.frombuffer(extra_bytes, dtype=np.int64)
        cost[:, :n_v] += extra[None, :n_v]
        if limit is not None:
            cost += leg_penalty * (travel > limit)
        duration = travel.copy()
        out = [i for i in range(n_v) if i not in serve]
        duration[:, out] = barred
        cost[:, out] += barred
        np.fill_diagonal(duration, 0)
        np.fill_diagonal(cost, 0)
        distances.append(cost)
        durations.append(duration)

    lat, lon = night.location_arrays()
    locations = [pyvrp.Location(x=float(lon[j]), y=float(lat[j])) for j in range(n_loc)]
    depots = [pyvrp.Depot(location=night.location_index(start=k)) for k in range(n_s)]
    depots += [pyvrp.Depot(location=night.location_index(end=k)) for k in range(n_s)]
    clients: list[Any] = []
    client_visit: list[int] = []
    groups: list[Any] = []
    for i in sorted(allowed):
        v = night.visits[i]
        prize = mandatory_prize if v.mandatory else optional_prize[i]
        members = []
        for w in v.windows:
            members.append(len(clients))
            clients.append(
                pyvrp.Client(
                    location=night.location_index(visit=i),
                    delivery=[v.demand],
                    service_duration=v.duration_s,
                    tw_early=w.start_s + offset,
                    tw_late=w.end_s + offset,
                    prize=prize,
                    required=False,
                    group=len(groups) if len(v.windows) > 1 else None,
                )
            )
            client_visit.append(i)
        if len(members) > 1:
            groups.append(pyvrp.ClientGroup(members, required=False))
    total = sum(v.demand for v in night.visits)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=1,
            capacity=[s.capacity if s.capacity is not None else total],
            start_depot=k,
            end_depot=n_s + k,
            tw_early=s.start_s + offset,
            tw_late=s.end_s + offset,
            shift_duration=max(0, s.end_s - s.start_s - s.break_duration_s),
            profile=profile_of_shift[k],
            name=s.shift_id,
        )
        for k, s in enumerate(night.shifts)
    ]
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=cast(Any, distances),
        duration_matrices=cast(Any, durations),
        groups=groups,
    )
    with warnings.catch_warnings():
        # the barred arrivals are large by design: PyVRP's penalties may hit their bounds
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        warnings.simplefilter("ignore", ScalingWarning)
        result = pyvrp.solve(
            data, stop=MaxRuntime(max(0.01, time_limit_s)), seed=seed, collect_stats=False
        )
    routes: dict[str, list[str]] = {}
    for route in result.best.routes():
        k = int(route.vehicle_type())
        visits = [client_visit[a.idx] for a in route if a.is_client()]
        routes[night.shifts[k].shift_id] = [night.visits[i].visit_id for i in visits]
    return routes
