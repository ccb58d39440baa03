"""Fair shares of a pooled cost: proportional, Shapley, equal profit (EPM) and nucleolus.

Competing providers pool their night only if each sees a fair share of the saving and none
pays more than it would alone. This module treats pooling as a cooperative *cost game*: the
caller supplies the cost ``c(S)`` of every coalition ``S`` of providers (the visits of ``S``
served with the shifts of ``S`` pooled; in zorgroute :func:`zorgroute.pooling.coalition_cost`
plans it with the solver), and the rules here split the grand coalition's cost ``c(N)`` among
the providers. Nothing here plans a route or imports a solver.

Planning a coalition is a solver run, so a :class:`CostGame` calls the cost function at most
once per coalition and keeps every value (:attr:`CostGame.cache`,
:attr:`CostGame.evaluations`); rules and checks share the values of one game.

Rules, each returning an :class:`Allocation` whose cost shares sum to ``c(N)``:

- :func:`proportional` splits the saving in proportion to stand-alone cost (or to given
  weights such as visits); one evaluation per provider plus the grand coalition.
- :func:`shapley` gives every provider its average marginal cost over all orders of joining;
  exact (all ``2**n`` coalitions) for small ``n``, sampled over random orders beyond.
- :func:`equal_profit` (the equal profit method of Frisk et al. 2010) makes the providers'
  relative savings as equal as the core allows; one LP over all coalitions.
- :func:`nucleolus` lexicographically minimises the largest excess ``x(S) - c(S)`` (the
  unhappiest coalition first); a sequence of LPs over all coalitions.

:func:`check_core` tells whether an allocation leaves any provider (individual rationality)
or any group of providers (the core) better off alone; :func:`least_core_epsilon` tells how
far the core is from existing. A pool whose core is empty cannot satisfy every subgroup: some
subgroup would always save more by leaving, and the allocation notes say so.

References
----------
Frisk, M., Göthe-Lundgren, M., Jörnsten, K., Rönnqvist, M. (2010). Cost allocation in
collaborative forest transportation. *European Journal of Operational Research* 205(2).
Schmeidler, D. (1969). The nucleolus of a characteristic function game. *SIAM Journal on
Applied Mathematics* 17(6).
Castro, J., Gómez, D., Tejada, J. (2009). Polynomial calculation of the Shapley value based
on sampling. *Computers & Operations Research* 36(5).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import linprog

from zorgroute.exceptions import InputError, Problem

log = logging.getLogger(__name__)

#: Up to this many players the rules evaluate every coalition (``2**n - 1`` cost calls).
EXACT_MAX_PLAYERS = 12

#: Coalitions are bit masks of a 64-bit integer internally.
MAX_PLAYERS = 62

#: Relative tolerance of the LPs (costs are scaled to at most 1 before solving).
_LP_TOL = 1e-9

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


# --------------------------------------------------------------------------------------
# The game
# --------------------------------------------------------------------------------------


class CostGame:
    """A cooperative cost game: players and the cost of every coalition, each computed once.

    Parameters
    ----------
    players
        The players' names (providers); non-empty, unique strings. Kept sorted.
    cost
        ``cost(S)`` is the cost of serving the visits of coalition ``S`` (a frozenset of
        player names) with the shifts of ``S`` pooled: a finite number ≥ 0. It is never
        called for the empty coalition (whose cost is 0) and at most once per coalition.

    Raises
    ------
    InputError
        No players, duplicate or empty names, more than :data:`MAX_PLAYERS` players, or a
        cost that is not callable (every problem listed).

    Notes
    -----
    Values the cost function returns are checked when first used: a negative, NaN,
    infinite or non-numeric value raises :class:`InputError` naming the coalition. Rules that
    need many coalitions evaluate all of them first and list every bad value at once. A bad
    value is remembered too, so a coalition is never planned twice.
    """

    __slots__ = ("_by_mask", "_cost", "_evaluations", "_index", "_invalid", "_players")

    def __init__(self, players: Iterable[str], cost: Callable[[frozenset[str]], float]) -> None:
        problems: list[Problem] = []
        if isinstance(players, str):
            problems.append(
                Problem(
                    "pass a collection of player names, not one string",
                    "players",
                    value=players,
                )
            )
            names: list[str] = []
        else:
            names = list(players)
        if not names and not problems:
            problems.append(Problem("a game needs at least one player", "players"))
        for k, name in enumerate(names):
            if not isinstance(name, str) or not name.strip():
                problems.append(
                    Problem(
                        "a player name must be a non-empty string",
                        "players",
                        row=f"item {k}",
                        value=repr(name),
                    )
                )
        counts = Counter(name for name in names if isinstance(name, str))
        for name, count in sorted(counts.items()):
            if count > 1:
                problems.append(Problem(f"player listed {count} times", "players", value=name))
        if len(counts) > MAX_PLAYERS:
            problems.append(
                Problem(
                    f"at most {MAX_PLAYERS} players are supported",
                    "players",
                    value=str(len(counts)),
                )
            )
        if not callable(cost):
            problems.append(Problem("the cost must be a callable", "cost", value=repr(cost)))
        if problems:
            raise InputError(problems, summary="invalid cost game")
        self._players: tuple[str, ...] = tuple(sorted(names))
        self._index: dict[str, int] = {p: i for i, p in enumerate(self._players)}
        self._cost = cost
        self._by_mask: dict[int, float] = {}
        self._invalid: dict[int, Problem] = {}
        self._evaluations = 0

    @classmethod
    def from_table(cls, costs: Mapping[frozenset[str], float]) -> CostGame:
        """A game from a table of coalition costs (for examples, tests and replays).

        Parameters
        ----------
        costs
            Cost of each coalition; the players are the union of the coalitions. A coalition
            the rules need but the table lacks raises :class:`InputError` when needed.

        Raises
        ------
        InputError
            As :class:`CostGame`; a missing coalition when its cost is needed.
        """
        table = {frozenset(k): v for k, v in costs.items()}
        players = sorted(set().union(*table)) if table else []

        def cost(coalition: frozenset[str]) -> float:
            if coalition not in table:
                raise InputError.single(
                    "the table has no cost for this coalition",
                    source="costs",
                    value=_label(coalition),
                    summary="incomplete cost table",
                )
            return table[coalition]

        return cls(players, cost)

    # -- what a caller reads -----------------------------------------------------------

    @property
    def players(self) -> tuple[str, ...]:
        """The players, sorted."""
        return self._players

    @property
    def n(self) -> int:
        """The number of players."""
        return len(self._players)

    @property
    def cost(self) -> Callable[[frozenset[str]], float]:
        """The characteristic function as given (calling it bypasses the cache)."""
        return self._cost

    @property
    def evaluations(self) -> int:
        """How many times the cost function has been called (once per coalition at most)."""
        return self._evaluations

    @property
    def cache(self) -> Mapping[frozenset[str], float]:
        """Every valid coalition cost computed so far (a read-only copy)."""
        return MappingProxyType({self._coalition_of(m): v for m, v in self._by_mask.items()})

    def value(self, coalition: Collection[str]) -> float:
        """The cost ``c(S)`` of a coalition (0 for the empty one), computed at most once.

        Raises
        ------
        InputError
            The coalition names an unknown player, or its cost is negative, NaN, infinite or
            not a number.
        """
        mask = self._mask_checked(coalition)
        result = self._lookup(mask)
        if isinstance(result, Problem):
            raise InputError([result], summary="invalid coalition cost")
        return result

    def stand_alone(self, player: str) -> float:
        """The cost ``c({i})`` of a provider planning alone.

        Raises
        ------
        InputError
            Unknown player, or an invalid cost.
        """
        return self.value(frozenset([player]))

    def grand(self) -> float:
        """The cost ``c(N)`` of all providers pooled.

        Raises
        ------
        InputError
            An invalid cost.
        """
        return self.value(frozenset(self._players))

    def total_saving(self) -> float:
        """The saving of pooling everyone: ``sum_i c({i}) - c(N)`` (negative if pooling costs).

        Raises
        ------
        InputError
            An invalid cost (every bad value listed).
        """
        singles = self._values(self._singleton_masks())
        return float(singles.sum()) - self.grand()

    def __repr__(self) -> str:
        return (
            f"CostGame(players={self._players!r}, evaluations={self._evaluations}, "
            f"cached={len(self._by_mask)})"
        )

    # -- internals shared by the rules -------------------------------------------------

    def _coalition_of(self, mask: int) -> frozenset[str]:
        return frozenset(p for i, p in enumerate(self._players) if mask >> i & 1)

    def _mask_checked(self, coalition: Collection[str]) -> int:
        if isinstance(coalition, str):
            raise InputError.single(
                "pass a collection of player names, not one string",
                source="coalition",
                value=coalition,
                summary="invalid coalition",
            )
        unknown = sorted(str(p) for p in coalition if p not in self._index)
        if unknown:
            raise InputError(
                [Problem("not a player of this game", "coalition", value=p) for p in unknown],
                summary="invalid coalition",
            )
        mask = 0
        for p in coalition:
            mask |= 1 << self._index[p]
        return mask

    def _singleton_masks(self) -> IntArray:
        return np.left_shift(1, np.arange(self.n, dtype=np.int64))

    def _grand_mask(self) -> int:
        return (1 << self.n) - 1

    def _lookup(self, mask: int) -> float | Problem:
        """The cost of a coalition by mask, or the problem with it; calls ``cost`` once."""
        if mask == 0:
            return 0.0
        if mask in self._by_mask:
            return self._by_mask[mask]
        if mask in self._invalid:
            return self._invalid[mask]
        coalition = self._coalition_of(mask)
        raw = self._cost(coalition)
        self._evaluations += 1
        log.debug("cost of %s = %r", _label(coalition), raw)
        problem = _bad_cost(coalition, raw)
        if problem is not None:
            self._invalid[mask] = problem
            return problem
        value = float(raw)
        self._by_mask[mask] = value
        return value

    def _values(self, masks: IntArray | Iterable[int]) -> FloatArray:
        """Costs of many coalitions; raises one error listing every bad value."""
        keys = [int(m) for m in masks]
        out = np.empty(len(keys), dtype=np.float64)
        problems: list[Problem] = []
        for k, mask in enumerate(keys):
            result = self._lookup(mask)
            if isinstance(result, Problem):
                problems.append(result)
                out[k] = np.nan
            else:
                out[k] = result
        if problems:
            raise InputError(problems, summary="the cost function returned invalid values")
        return out

    def _table(self) -> FloatArray:
        """``c`` of every coalition, indexed by mask (``2**n`` entries, all evaluated)."""
        table = np.zeros(1 << self.n, dtype=np.float64)
        table[1:] = self._values(range(1, 1 << self.n))
        return table


def _bad_cost(coalition: frozenset[str], raw: object) -> Problem | None:
    label = _label(coalition)
    if isinstance(raw, bool) or not isinstance(raw, int | float | np.integer | np.floating):
        return Problem(f"the cost of coalition {label} is not a number", "cost", value=repr(raw))
    value = float(raw)
    if math.isnan(value):
        return Problem(f"the cost of coalition {label} is NaN", "cost", value="nan")
    if math.isinf(value):
        return Problem(f"the cost of coalition {label} is infinite", "cost", value=str(value))
    if value < 0:
        return Problem(f"the cost of coalition {label} is negative", "cost", value=repr(value))
    return None


def _label(coalition: Iterable[str]) -> str:
    return "{" + ", ".join(sorted(coalition)) + "}"


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """A split of the pooled cost ``c(N)`` among the providers.

    Attributes
    ----------
    method
        The rule that produced it (``"proportional"``, ``"shapley"``, ``"shapley (sampled)"``,
        ``"equal profit"``, ``"nucleolus"``).
    cost_share
        What each provider pays; the shares sum to ``c(N)``.
    saving
        ``c({i}) - cost_share[i]``: what each provider saves against planning alone
        (negative: it pays more than alone).
    std_error
        For sampled rules, each share's standard error; ``None`` for exact rules.
    note
        How the split was made and anything a reader must know (a sampled estimate, an
        empty core, a fallback).
    epsilon
        For core-based rules, the least-core value ``ε*`` (the smallest ``ε`` such that some
        split charges no proper coalition more than ``c(S) + ε``): ``ε* > 0`` means the core
        is empty. ``None`` for other rules.
    """

    method: str
    cost_share: Mapping[str, float]
    saving: Mapping[str, float]
    std_error: Mapping[str, float] | None = None
    note: str = ""
    epsilon: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per provider: cost share, stand-alone cost, saving (also in %), error."""
        players = list(self.cost_share)
        share = np.array([self.cost_share[p] for p in players])
        saving = np.array([self.saving[p] for p in players])
        alone = share + saving
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(alone > 0, 100.0 * saving / np.where(alone > 0, alone, 1.0), np.nan)
        frame = pd.DataFrame(
            {"stand_alone": alone, "cost_share": share, "saving": saving, "saving_pct": pct},
            index=pd.Index(players, name="provider"),
        )
        if self.std_error is not None:
            frame["std_error"] = [self.std_error[p] for p in players]
        return frame


@dataclass(frozen=True)
class CoreCheck:
    """Whether an allocation leaves any provider or group of providers better off alone.

    Attributes
    ----------
    individually_rational
        No provider pays more than its stand-alone cost (beyond the tolerance).
    ir_violations
        Provider → how much more than alone it pays (only the violators).
    in_core
        Individually rational, no coalition pays more than its own cost, and the shares sum
        to ``c(N)``. When the check was not exhaustive this means *no violation found among
        the coalitions checked*.
    core_violations
        ``(coalition, allocated cost, stand-alone cost of the coalition)`` for every checked
        coalition ``S`` with ``x(S) > c(S) + tol`` (singletons included), largest excess
        ``x(S) - c(S)`` first.
    coalitions_checked
        How many coalitions were checked.
    exhaustive
        Every coalition was checked.
    budget_gap
        ``sum_i x_i - c(N)`` (0 for the rules of this module).
    note
        What was checked.
    """

    individually_rational: bool
    ir_violations: Mapping[str, float]
    in_core: bool
    core_violations: list[tuple[frozenset[str], float, float]]
    coalitions_checked: int
    exhaustive: bool
    budget_gap: float
    note: str


def _allocation(
    game: CostGame,
    method: str,
    shares: FloatArray,
    note: str,
    *,
    std_error: FloatArray | None = None,
    epsilon: float | None = None,
) -> Allocation:
    """An :class:`Allocation` from a share vector, balanced to sum exactly to ``c(N)``."""
    total = game.grand()
    x = np.asarray(shares, dtype=np.float64).copy()
    x += (total - float(x.sum())) / game.n  # LP and float round-off only
    alone = game._values(game._singleton_masks())
    players = game.players
    return Allocation(
        method=method,
        cost_share=MappingProxyType({p: float(x[i]) for i, p in enumerate(players)}),
        saving=MappingProxyType({p: float(alone[i] - x[i]) for i, p in enumerate(players)}),
        std_error=(
            None
            if std_error is None
            else MappingProxyType({p: float(std_error[i]) for i, p in enumerate(players)})
        ),
        note=note,
        epsilon=epsilon,
    )


# --------------------------------------------------------------------------------------
# Proportional
# --------------------------------------------------------------------------------------


def proportional(
    game: CostGame,
    *,
    weights: Mapping[str, float] | None = None,
    split: Literal["saving", "cost"] = "saving",
) -> Allocation:
    """Split the saving (or the cost) in proportion to stand-alone cost or given weights.

    With ``split="saving"`` (the default) provider ``i`` saves
    ``total_saving * w_i / sum_j w_j`` and pays ``c({i})`` minus that. With the default
    weights, the stand-alone costs, every provider saves the same *fraction* of its
    stand-alone cost, and the cost shares are proportional to the stand-alone costs too:
    ``x_i = c(N) * c({i}) / sum_j c({j})``. With other weights (visits per provider, say) it
    is the saving that is proportional to them, not the cost; ``split="cost"`` instead makes
    the cost shares proportional to the weights, ``x_i = c(N) * w_i / sum_j w_j``.

    Splitting the saving is individually rational whenever pooling saves anything
    (``sum_i c({i}) >= c(N)``, e.g. in a subadditive game); splitting the cost by other
    weights need not be (a provider with remote clients and few visits would gain by leaving).
    Neither split looks at coalitions other than the singletons and ``N`` (``n + 1`` cost
    calls), so neither guarantees the core; see :func:`check_core`.

    Parameters
    ----------
    game
        The cost game.
    weights
        A weight ≥ 0 for every player (and no others), not all zero; default the
        stand-alone costs.
    split
        ``"saving"`` or ``"cost"``: which of the two is proportional to the weights.

    Raises
    ------
    InputError
        Weights missing a player, naming an unknown one, negative, NaN or all zero; an
        unknown ``split``; invalid costs.
    """
    problems: list[Problem] = []
    if split not in ("saving", "cost"):
        problems.append(Problem('must be "saving" or "cost"', "split", value=str(split)))
    w: FloatArray | None = None
    if weights is not None:
        w, weight_problems = _weights(game, weights)
        problems += weight_problems
    if problems:
        raise InputError(problems, summary="invalid proportional allocation")
    alone = game._values(game._singleton_masks())
    total = game.grand()
    saving = float(alone.sum()) - total
    if w is None:
        basis = "stand-alone cost"
        w = alone
    else:
        basis = "the given weights"
    if float(w.sum()) <= 0:  # only possible with default weights: every c({i}) = 0
        w = np.ones(game.n)
        basis = "equal weights (every stand-alone cost is 0)"
    frac = w / float(w.sum())
    if split == "saving":
        shares = alone - saving * frac
        note = f"the saving ({saving:.6g}) split in proportion to {basis}"
        if weights is None and float(alone.sum()) > 0:
            note += (
                f"; every provider saves {100 * saving / float(alone.sum()):.3g} % of its "
                "stand-alone cost, and the cost shares are proportional to stand-alone cost"
            )
    else:
        shares = total * frac
        note = f"the pooled cost ({total:.6g}) split in proportion to {basis}"
    if saving < 0:
        note += "; pooling costs more than planning alone, so the 'saving' is negative"
    return _allocation(game, "proportional", shares, note)


def _weights(game: CostGame, weights: Mapping[str, float]) -> tuple[FloatArray, list[Problem]]:
    problems: list[Problem] = []
    w = np.zeros(game.n)
    for p in game.players:
        if p not in weights:
            problems.append(Problem("no weight for this player", "weights", p))
            continue
        raw = weights[p]
        ok = not isinstance(raw, bool) and isinstance(raw, int | float | np.integer | np.floating)
        if not ok or not math.isfinite(float(raw)) or float(raw) < 0:
            problems.append(
                Problem("a weight must be a finite number ≥ 0", "weights", p, value=repr(raw))
            )
            continue
        w[game._index[p]] = float(raw)
    for key in sorted(map(str, set(weights) - set(game.players))):
        problems.append(Problem("not a player of this game", "weights", key))
    if not problems and float(w.sum()) <= 0:
        problems.append(Problem("the weights are all zero", "weights"))
    return w, problems


# --------------------------------------------------------------------------------------
# Shapley
# --------------------------------------------------------------------------------------


def shapley(
    game: CostGame,
    *,
    exact_max_players: int = EXACT_MAX_PLAYERS,
    samples: int = 2000,
    seed: int = 0,
) -> Allocation:
    """The Shapley value: each provider's marginal cost averaged over all orders of joining.

    Up to ``exact_max_players`` players it is exact, by the subset formula
    ``phi_i = sum_{S ⊆ N \\ {i}} |S|! (n - |S| - 1)! / n! * (c(S ∪ {i}) - c(S))``, which
    needs every coalition (``2**n - 1`` cost calls, cached). Beyond, it is estimated from
    ``samples`` random orders (permutations, seeded): provider ``i``'s share is the mean of
    its marginal costs, and its standard error the sample standard deviation over
    ``sqrt(samples)``. Each order's marginal costs telescope to ``c(N)``, so the estimates
    sum to ``c(N)`` up to rounding; that rounding residual is spread over the providers in
    proportion to their sampling variances (equally if all are 0), so the shares sum to
    ``c(N)`` exactly. A sampled order costs up to ``n - 1`` new coalitions
    (``samples * (n - 1)`` solver runs at worst).

    The Shapley value gives a dummy (a provider whose presence never changes anyone's cost)
    exactly its stand-alone cost, treats symmetric providers equally, and lies in the core
    of concave (submodular) games, but not of every game with a non-empty core.

    Parameters
    ----------
    game
        The cost game.
    exact_max_players
        Largest number of players for the exact formula.
    samples
        Number of random permutations when sampling (≥ 2).
    seed
        Seed of the permutations.

    Raises
    ------
    InputError
        ``samples < 2`` or ``exact_max_players < 0``; invalid costs (every bad value listed).
    """
    problems: list[Problem] = []
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        problems.append(Problem("must be an integer ≥ 2", "samples", value=repr(samples)))
    if (
        isinstance(exact_max_players, bool)
        or not isinstance(exact_max_players, int)
        or exact_max_players < 0
    ):
        problems.append(
            Problem("must be an integer ≥ 0", "exact_max_players", value=repr(exact_max_players))
        )
    if problems:
        raise InputError(problems, summary="invalid Shapley options")
    n = game.n
    if n <= exact_max_players:
        table = game._table()
        phi = _shapley_exact(table, n)
        note = f"exact: all {(1 << n) - 1} coalitions evaluated (subset formula)"
        return _allocation(game, "shapley", phi, note)
    return _shapley_sampled(game, samples, seed)


def _popcount(masks: IntArray, n: int) -> IntArray:
    count = np.zeros(masks.shape, dtype=np.int64)
    for i in range(n):
        count += (masks >> i) & 1
    return count


def _shapley_exact(table: FloatArray, n: int) -> FloatArray:
    masks = np.arange(1 << n, dtype=np.int64)
    size = _popcount(masks, n)
    # weight of a coalition S of size s not containing i: s! (n - s - 1)! / n!
    weight = np.array(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    )
    phi = np.empty(n)
    for i in range(n):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        phi[i] = float(np.sum(weight[size[without]] * (table[without | bit] - table[without])))
    return phi


def _shapley_sampled(game: CostGame, samples: int, seed: int) -> Allocation:
    n = game.n
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((samples, n)), axis=1).astype(np.int64)
    prefix = np.cumsum(np.left_shift(1, order), axis=1)  # coalition after each arrival
    unique, inverse = np.unique(prefix, return_inverse=True)
    before = game.evaluations
    values = game._values(unique)[inverse.reshape(prefix.shape)]
    marginal = np.diff(values, axis=1, prepend=0.0)
    contrib = np.empty_like(marginal)
    np.put_along_axis(contrib, order, marginal, axis=1)
    phi = contrib.mean(axis=0)
    std_error = contrib.std(axis=0, ddof=1) / math.sqrt(samples)
    residual = game.grand() - float(phi.sum())
    variance = std_error**2
    if float(variance.sum()) > 0:
        phi = phi + residual * variance / float(variance.sum())
    else:
        phi = phi + residual / n
    note = (
        f"Monte Carlo over {samples} random permutations (seed {seed}) because n = {n} is "
        f"above exact_max_players; {len(unique)} distinct coalitions used "
        f"({game.evaluations - before} newly evaluated). Each permutation's marginal costs "
        f"sum to c(N); the rounding residual ({residual:.3g}) was spread over the providers "
        "in proportion to their sampling variances, so the shares sum exactly to c(N)"
    )
    log.info("sampled Shapley value: %s", note)
    # the balancing step in _allocation only removes rounding left after the spread above
    return _allocation(game, "shapley (sampled)", phi, note, std_error=std_error)


# --------------------------------------------------------------------------------------
# Core-based rules: least core, equal profit method, nucleolus
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Coalitions:
    """All proper non-empty coalitions as an incidence matrix, with scaled costs."""

    n: int
    masks: IntArray  # proper non-empty coalitions
    incidence: FloatArray  # len(masks) × n, 0/1
    cost: FloatArray  # c(S) / scale
    alone: FloatArray  # c({i}) / scale
    grand: float  # c(N) / scale
    scale: float


def _coalitions(game: CostGame, max_players: int, rule: str) -> _Coalitions:
    if isinstance(max_players, bool) or not isinstance(max_players, int) or max_players < 1:
        raise InputError.single(
            "must be an integer ≥ 1",
            source="max_players",
            value=repr(max_players),
            summary=f"invalid {rule} options",
        )
    n = game.n
    if n > max_players:
        raise InputError.single(
            f"{rule} needs the cost of all 2**n - 1 coalitions; with n = {n} above "
            f"max_players = {max_players} use shapley (sampled) or proportional, or raise "
            "max_players",
            source="game",
            value=str(n),
            summary=f"too many players for {rule}",
        )
    table = game._table()
    scale = float(np.max(table)) or 1.0
    masks = np.arange(1, (1 << n) - 1, dtype=np.int64)
    incidence = ((masks[:, None] >> np.arange(n)) & 1).astype(np.float64)
    return _Coalitions(
        n=n,
        masks=masks,
        incidence=incidence,
        cost=table[masks] / scale,
        alone=table[np.left_shift(1, np.arange(n))] / scale,
        grand=float(table[-1]) / scale,
        scale=scale,
    )


def _linprog(
    c: FloatArray,
    a_ub: FloatArray | None,
    b_ub: FloatArray | None,
    a_eq: FloatArray,
    b_eq: FloatArray,
    bounds: list[tuple[float | None, float | None]],
    what: str,
) -> tuple[FloatArray, float, FloatArray]:
    """Solve an LP with HiGHS; return (x, objective, duals of the ≤ rows) or raise."""
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
        # HiGHS's default feasibility tolerance (1e-7 of the largest cost, after scaling)
        # would let a coalition pay more than the absolute 1e-6 that core checks allow
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if res.status != 0:
        raise RuntimeError(f"the {what} LP failed: {res.message}")
    duals = np.asarray(res.ineqlin.marginals, dtype=np.float64) if a_ub is not None else np.zeros(0)
    fun = math.nan if res.fun is None else float(res.fun)
    return np.asarray(res.x, dtype=np.float64), fun, duals


def _least_core(co: _Coalitions) -> tuple[float, FloatArray]:
    """min ε s.t. x(S) ≤ c(S) + ε for proper S, x(N) = c(N); returns (ε, x), scaled."""
    n = co.n
    if co.masks.size == 0:  # one player: no proper coalition to satisfy
        return -math.inf, np.array([co.grand])
    a_ub = np.hstack([co.incidence, -np.ones((co.masks.size, 1))])
    a_eq = np.hstack([np.ones((1, n)), np.zeros((1, 1))])
    c = np.zeros(n + 1)
    c[n] = 1.0
    x, eps, _ = _linprog(
        c, a_ub, co.cost, a_eq, np.array([co.grand]), [(None, None)] * (n + 1), "least core"
    )
    return eps, x[:n]


def least_core_epsilon(game: CostGame, *, max_players: int = EXACT_MAX_PLAYERS) -> float:
    """The least-core value: the smallest ``ε`` with some split in the ``ε``-core.

    The ``ε``-core holds the splits ``x`` with ``sum_i x_i = c(N)`` and
    ``x(S) <= c(S) + ε`` for every proper non-empty coalition ``S``. The core is non-empty
    exactly when the least-core value is ≤ 0; a positive value is the extra cost that the
    most cheated coalition must accept in the best compromise (same units as the costs).
    For one player there is no proper coalition and the value is ``-inf``.

    Raises
    ------
    InputError
        More than ``max_players`` players (every coalition is needed); invalid costs.
    """
    co = _coalitions(game, max_players, "the least core")
    eps, _ = _least_core(co)
    return eps * co.scale


def equal_profit(game: CostGame, *, max_players: int = EXACT_MAX_PLAYERS) -> Allocation:
    """The equal profit method (EPM) of Frisk et al. (2010).

    Among the core allocations, choose one minimising the largest difference between two
    providers' *relative* savings ``(c({i}) - x_i) / c({i})``: one LP in the shares and that
    difference ``f``, with a core constraint ``x(S) <= c(S)`` for every proper coalition and
    ``sum_i x_i = c(N)``. When every relative saving can be equal within the core (``f = 0``)
    this is the proportional split.

    When the core is empty the EPM LP is infeasible; the rule then first computes the least
    core (the smallest ``ε > 0`` such that ``x(S) <= c(S) + ε`` is feasible for every proper
    coalition), then solves the EPM LP with every coalition constraint relaxed by that
    ``ε``. The note says so and :attr:`Allocation.epsilon` reports ``ε``.

    Providers with a stand-alone cost of 0 (below 1e-9 of the largest coalition cost) have
    no relative saving and are left out of the objective (they still meet every core
    constraint). The minimiser need not be unique
    when ``f > 0``; the LP solver's vertex is returned.

    Parameters
    ----------
    game
        The cost game.
    max_players
        Largest number of players accepted (the LP has ``2**n - 2`` coalition rows and
        needs every coalition's cost).

    Raises
    ------
    InputError
        More than ``max_players`` players; invalid costs (every bad value listed).
    """
    co = _coalitions(game, max_players, "the equal profit method")
    n = co.n
    eps, x_lc = _least_core(co)
    if n == 1:
        return _allocation(game, "equal profit", x_lc * co.scale, "one player pays c(N)")
    empty = eps > _LP_TOL
    relax = eps if empty else 0.0
    # a relative saving needs a stand-alone cost clearly above 0 (costs are scaled to ≤ 1)
    positive = np.flatnonzero(co.alone > _LP_TOL)
    # rows x_i / c_i - x_j / c_j - f <= 0 for ordered pairs of providers with c_i > 0
    pairs = [(i, j) for i in positive for j in positive if i != j]
    pair_rows = np.zeros((len(pairs), n + 1))
    for r, (i, j) in enumerate(pairs):
        pair_rows[r, i] = 1.0 / co.alone[i]
        pair_rows[r, j] = -1.0 / co.alone[j]
        pair_rows[r, n] = -1.0
    core_rows = np.hstack([co.incidence, np.zeros((co.masks.size, 1))])
    a_ub = np.vstack([core_rows, pair_rows])
    a_eq = np.hstack([np.ones((1, n)), np.zeros((1, 1))])
    c = np.zeros(n + 1)
    c[n] = 1.0
    bounds: list[tuple[float | None, float | None]] = [(None, None)] * n + [(0.0, None)]
    for attempt in range(3):
        b_ub = np.concatenate([co.cost + relax + attempt * _LP_TOL, np.zeros(len(pairs))])
        try:
            x, f, _ = _linprog(c, a_ub, b_ub, a_eq, np.array([co.grand]), bounds, "EPM")
            break
        except RuntimeError:  # the least-core ε by a hair too tight for the solver
            if attempt == 2:
                raise
    shares = x[:n] * co.scale
    parts = [
        f"LP over all {co.masks.size} proper coalitions; largest difference in relative "
        f"saving between two providers {f:.4g}"
    ]
    if empty:
        parts.insert(
            0,
            f"the core is empty (least-core ε = {eps * co.scale:.6g}): no split keeps every "
            "coalition at or below its own cost, so EPM was solved over the least core, "
            "every coalition constraint relaxed by ε",
        )
    else:
        parts.append("the split is in the core")
    if positive.size < n:
        zero = [game.players[i] for i in range(n) if co.alone[i] <= _LP_TOL]
        parts.append(f"stand-alone cost (about) 0, left out of the objective: {', '.join(zero)}")
    return _allocation(game, "equal profit", shares, "; ".join(parts), epsilon=eps * co.scale)


def nucleolus(game: CostGame, *, max_players: int = EXACT_MAX_PLAYERS) -> Allocation:
    """The nucleolus: lexicographically minimise the coalitions' excesses ``x(S) - c(S)``.

    The excess of a coalition is how much more it pays together than it would alone. The
    nucleolus makes the largest excess as small as possible, then the next largest, and so
    on (Schmeidler 1969); it is unique, lies in the core whenever the core is non-empty (when
    it is empty, its largest excess is the smallest any imputation allows), and treats
    symmetric providers equally.

    Computed by the standard sequence of LPs (Kopelowitz; Maschler, Peleg & Shapley): each
    LP minimises the largest excess ``ε`` over the coalitions not yet settled, with the
    settled ones held at their excesses; a coalition is settled when its dual price is
    positive (it is tight in every optimum); coalitions whose excess the settled ones
    already determine are dropped; it stops when the shares are determined (at most ``n``
    independent settled coalitions, usually a few LPs). Shares are restricted to
    imputations (``x_i <= c({i})``) when pooling saves anything; otherwise that set is
    empty and the pre-nucleolus (no such restriction) is returned, as the note says.

    Parameters
    ----------
    game
        The cost game.
    max_players
        Largest number of players accepted (every coalition's cost is needed).

    Raises
    ------
    InputError
        More than ``max_players`` players; invalid costs (every bad value listed).
    """
    co = _coalitions(game, max_players, "the nucleolus")
    n = co.n
    eps_lc, x = _least_core(co)
    if n == 1:
        return _allocation(game, "nucleolus", x * co.scale, "one player pays c(N)")
    imputations = float(co.alone.sum()) >= co.grand - _LP_TOL
    m = co.masks.size
    free = np.ones(m, dtype=bool)
    settled: list[int] = []
    settled_level: list[float] = []
    levels: list[float] = []
    c = np.zeros(n + 1)
    c[n] = 1.0
    bounds: list[tuple[float | None, float | None]] = [(None, None)] * (n + 1)
    for _ in range(m):
        idx = np.flatnonzero(free)
        # settled coalitions as x(S) <= c(S) + their level rather than as equalities: every
        # optimum keeps them tight anyway, and inequalities stay feasible for the solver
        # when the levels carry its round-off
        rows = [
            np.hstack([co.incidence[idx], -np.ones((idx.size, 1))]),
            np.hstack([co.incidence[settled], np.zeros((len(settled), 1))]),
        ]
        rhs = [co.cost[idx], co.cost[settled] + np.array(settled_level)]
        if imputations:
            rows.append(np.hstack([np.eye(n), np.zeros((n, 1))]))
            rhs.append(co.alone)
        a_eq = np.hstack([np.ones((1, n)), np.zeros((1, 1))])
        sol, eps, duals = _linprog(
            c,
            np.vstack(rows),
            np.concatenate(rhs),
            a_eq,
            np.array([co.grand]),
            bounds,
            "nucleolus",
        )
        x = sol[:n]
        levels.append(eps)
        price = -duals[: idx.size]  # ≥ 0: how much the largest excess falls per unit slack
        excess = co.incidence[idx] @ x - co.cost[idx]
        tight = (price > _LP_TOL) & (excess >= eps - 1e-7)
        new = idx[tight] if tight.any() else idx[[int(np.argmax(price))]]
        settled += new.tolist()
        settled_level += [eps] * new.size
        free[new] = False
        span = np.vstack([np.ones((1, n)), co.incidence[settled]])
        _, sing, vt = np.linalg.svd(span)
        rank = int(np.sum(sing > 1e-9 * sing[0]))
        if rank >= n:
            break
        rest = np.flatnonzero(free)
        basis = vt[:rank]
        residual = co.incidence[rest] - (co.incidence[rest] @ basis.T) @ basis
        free[rest[np.linalg.norm(residual, axis=1) < 1e-9]] = False
        if not free.any():
            break
    parts = [
        f"{len(levels)} LP{'s' if len(levels) > 1 else ''} over all {m} proper coalitions; "
        f"largest excess {levels[0] * co.scale:.6g}"
    ]
    if eps_lc > _LP_TOL:
        parts.insert(
            0,
            f"the core is empty (least-core ε = {eps_lc * co.scale:.6g}): some coalition "
            "pays more than alone under any split; the nucleolus minimises the worst case",
        )
    else:
        parts.append("the split is in the core")
    if not imputations:
        parts.append(
            "pooling costs more than planning alone, so no split is individually rational: "
            "this is the pre-nucleolus (shares not capped at stand-alone cost)"
        )
    return _allocation(game, "nucleolus", x * co.scale, "; ".join(parts), epsilon=eps_lc * co.scale)


# --------------------------------------------------------------------------------------
# Checking an allocation
# --------------------------------------------------------------------------------------


def check_core(
    game: CostGame,
    allocation: Allocation | Mapping[str, float],
    *,
    tol: float = 1e-6,
    exact_max_players: int = EXACT_MAX_PLAYERS,
    samples: int = 200,
    seed: int = 0,
) -> CoreCheck:
    """Check individual rationality and the core: does any group pay more than alone?

    Up to ``exact_max_players`` players every non-empty coalition is checked (all ``2**n - 1``
    costs are needed). Beyond, only the singletons, the grand coalition, the coalitions
    already in the game's cache (free) and ``samples`` random coalitions (size uniform on
    ``1 .. n-1``, then members uniform; seeded) are checked: a coalition outside that
    sample may still be better off alone, and the note says so.

    Parameters
    ----------
    game
        The cost game.
    allocation
        An :class:`Allocation` or a mapping provider → cost share (e.g. a negotiated one).
    tol
        Absolute tolerance (cost units) before a coalition counts as paying too much.
    exact_max_players
        Largest number of players for the exhaustive check.
    samples
        Random coalitions checked beyond ``exact_max_players`` (each may cost a solver run).
    seed
        Seed of that sample.

    Raises
    ------
    InputError
        The shares miss a player, name an unknown one or are not finite numbers; a negative
        or NaN ``tol``; a negative ``samples``; invalid costs.
    """
    shares = allocation.cost_share if isinstance(allocation, Allocation) else allocation
    problems: list[Problem] = []
    x = np.zeros(game.n)
    for p in game.players:
        raw = shares.get(p)
        if raw is None:
            problems.append(Problem("no cost share for this player", "allocation", p))
        elif (
            isinstance(raw, bool)
            or not isinstance(raw, int | float | np.integer | np.floating)
            or not math.isfinite(float(raw))
        ):
            problems.append(
                Problem("a cost share must be a finite number", "allocation", p, value=repr(raw))
            )
        else:
            x[game._index[p]] = float(raw)
    for key in sorted(map(str, set(shares) - set(game.players))):
        problems.append(Problem("not a player of this game", "allocation", key))
    if not (isinstance(tol, int | float) and tol >= 0):
        problems.append(Problem("must be a number ≥ 0", "tol", value=repr(tol)))
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 0:
        problems.append(Problem("must be an integer ≥ 0", "samples", value=repr(samples)))
    if problems:
        raise InputError(problems, summary="invalid core check")

    n = game.n
    singles = game._singleton_masks()
    alone = game._values(singles)
    ir_violations = {
        p: float(x[i] - alone[i]) for i, p in enumerate(game.players) if x[i] > alone[i] + tol
    }
    exhaustive = n <= exact_max_players
    if exhaustive:
        masks = np.arange(1, 1 << n, dtype=np.int64)
        note = f"all {masks.size} non-empty coalitions checked"
    else:
        cached = [m for m in game._by_mask if m != 0]
        rng = np.random.default_rng(seed)
        sampled = []
        for size in rng.integers(1, n, size=samples).tolist():
            members = rng.choice(n, size=size, replace=False)
            sampled.append(int(np.sum(np.left_shift(1, members.astype(np.int64)))))
        masks = np.unique(
            np.array([*singles.tolist(), game._grand_mask(), *cached, *sampled], dtype=np.int64)
        )
        note = (
            f"not exhaustive (n = {n} > exact_max_players = {exact_max_players}): checked "
            f"the {n} singletons, the grand coalition, the coalitions already evaluated and "
            f"{samples} random coalitions (seed {seed}), {masks.size} distinct in all; a "
            "coalition outside this sample may still be better off alone"
        )
    costs = game._values(masks)
    incidence = ((masks[:, None] >> np.arange(n)) & 1).astype(np.float64)
    allocated = incidence @ x
    excess = allocated - costs
    bad = np.flatnonzero(excess > tol)
    sizes = _popcount(masks[bad], n)
    order = sorted(range(bad.size), key=lambda k: (-excess[bad[k]], int(sizes[k]), masks[bad[k]]))
    violations = [
        (game._coalition_of(int(masks[bad[k]])), float(allocated[bad[k]]), float(costs[bad[k]]))
        for k in order
    ]
    budget_gap = float(x.sum()) - game.grand()
    if abs(budget_gap) > tol:
        note += f"; the shares do not sum to c(N) (off by {budget_gap:.6g})"
    return CoreCheck(
        individually_rational=not ir_violations,
        ir_violations=MappingProxyType(ir_violations),
        in_core=not violations and abs(budget_gap) <= tol,
        core_violations=violations,
        coalitions_checked=int(masks.size),
        exhaustive=exhaustive,
        budget_gap=budget_gap,
        note=note,
    )
