"""Fair shares of a pooled cost: hand-solved games, invariants, sampling, errors, the cache."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zorgroute.allocation import (
    Allocation,
    CostGame,
    check_core,
    equal_profit,
    least_core_epsilon,
    nucleolus,
    proportional,
    shapley,
)
from zorgroute.exceptions import InputError

RULES: list[Callable[[CostGame], Allocation]] = [proportional, shapley, equal_profit, nucleolus]


def shares(a: Allocation) -> dict[str, float]:
    return dict(a.cost_share)


def airport(costs: Mapping[str, float]) -> CostGame:
    """Each provider needs a road of some length; a coalition pays for the longest one."""
    return CostGame(costs, lambda s: max(costs[p] for p in s))


def table_game(costs: Mapping[str, float]) -> CostGame:
    """A game from "A", "AB", ... → cost."""
    return CostGame.from_table({frozenset(k): v for k, v in costs.items()})


def counting(game_cost: Callable[[frozenset[str]], float]) -> tuple[Callable, Counter]:  # type: ignore[type-arg]
    calls: Counter[frozenset[str]] = Counter()

    def cost(s: frozenset[str]) -> float:
        calls[s] += 1
        return game_cost(s)

    return cost, calls


# --- hand-solved games ---------------------------------------------------------------


def test_airport_game_known_values() -> None:
    # c = (1, 2, 4). Shapley (Littlechild–Owen): each road segment split equally among those
    # who need it: A 1/3; B 1/3 + 1/2 = 5/6; C 1/3 + 1/2 + 2 = 17/6 (sum 4).
    game = airport({"A": 1.0, "B": 2.0, "C": 4.0})
    assert shares(shapley(game)) == pytest.approx({"A": 1 / 3, "B": 5 / 6, "C": 17 / 6})
    # EPM: equal relative savings x_i = t c_i, 7t = 4, is in the core (A+B = 12/7 <= 2, ...)
    epm = equal_profit(game)
    assert shares(epm) == pytest.approx({"A": 4 / 7, "B": 8 / 7, "C": 16 / 7})
    assert shares(epm) == pytest.approx(shares(proportional(game)))
    # Nucleolus by hand: excesses a-1, b-2, -a-b, a+b-2, -b, -a (x = (a, b, 4-a-b)).
    # a-1 and -a force the largest excess to -1/2 at a = 1/2; then b - 3/2 and -b
    # balance at b = 3/4 (excess -3/4). So (1/2, 3/4, 11/4).
    assert shares(nucleolus(game)) == pytest.approx({"A": 0.5, "B": 0.75, "C": 2.75})
    assert least_core_epsilon(game) == pytest.approx(-0.5)
    for rule in RULES:
        assert check_core(game, rule(game)).in_core


def test_three_providers_solved_on_paper() -> None:
    costs = {"A": 12, "B": 10, "C": 8, "AB": 18, "AC": 16, "BC": 14, "ABC": 21}
    game = table_game(costs)
    # Shapley for 3 players: phi_i = c(i)/3 + [c(ij)-c(j)]/6 + [c(ik)-c(k)]/6 + [c(N)-c(jk)]/3
    # A: 12/3 + (18-10)/6 + (16-8)/6 + (21-14)/3 = 4 + 4/3 + 4/3 + 7/3 = 9
    # B: 10/3 + (18-12)/6 + (14-8)/6 + (21-16)/3 = 10/3 + 1 + 1 + 5/3 = 7
    # C:  8/3 + (16-12)/6 + (14-10)/6 + (21-18)/3 = 8/3 + 2/3 + 2/3 + 1 = 5
    sh = shapley(game)
    assert shares(sh) == pytest.approx({"A": 9, "B": 7, "C": 5})
    assert dict(sh.saving) == pytest.approx({"A": 3, "B": 3, "C": 3})
    assert sh.std_error is None
    # Proportional: 21 * c(i) / 30 = (8.4, 7, 5.6); it is in the core, so EPM (f = 0) agrees.
    assert shares(proportional(game)) == pytest.approx({"A": 8.4, "B": 7, "C": 5.6})
    assert shares(equal_profit(game)) == pytest.approx({"A": 8.4, "B": 7, "C": 5.6})
    # Nucleolus: x_k lies in [21 - c(ij), c(k)] = A [7, 12], B [5, 10], C [3, 8], each of
    # width 5; the two excesses of k are x_k - c(k) and (21 - c(ij)) - x_k, so the largest
    # excess is minimised by moving every x_k the same way from its midpoint (9.5, 7.5, 5.5):
    # by -0.5 each to sum to 21 -> (9, 7, 5), largest excess -2.
    nu = nucleolus(game)
    assert shares(nu) == pytest.approx({"A": 9, "B": 7, "C": 5})
    assert "in the core" in nu.note


def test_epm_differs_from_proportional_when_that_leaves_the_core() -> None:
    # A and B pool well (12 < 20), C gains nothing: the core is x_C = 10, x_A + x_B = 12.
    costs = {"A": 10, "B": 10, "C": 10, "AB": 12, "AC": 20, "BC": 20, "ABC": 22}
    game = table_game(costs)
    prop = proportional(game)
    check = check_core(game, prop)
    assert check.individually_rational
    assert not check.in_core
    assert check.core_violations[0][0] == frozenset("AB")
    assert check.core_violations[0][1:] == pytest.approx((44 / 3, 12))
    # EPM: x_C = 10 (relative saving 0) and x_A = x_B = 6 (0.4): difference 0.4
    epm = equal_profit(game)
    assert shares(epm) == pytest.approx({"A": 6, "B": 6, "C": 10})
    assert "0.4" in epm.note
    assert check_core(game, epm).in_core
    assert shares(nucleolus(game)) == pytest.approx({"A": 6, "B": 6, "C": 10})
    # Shapley: phi_C = 10/3 + 10/6 + 10/6 + (22-12)/3 = 10
    assert shares(shapley(game)) == pytest.approx({"A": 6, "B": 6, "C": 10})


def test_empty_core_is_reported() -> None:
    # Any two pool well (12 < 20) but all three do not (20): the pair constraints sum to
    # 2 x(N) <= 36 < 40, so the core is empty; the least core is x = 20/3 each, ε = 4/3.
    game = CostGame(["A", "B", "C"], lambda s: {1: 10.0, 2: 12.0, 3: 20.0}[len(s)])
    assert least_core_epsilon(game) == pytest.approx(4 / 3)
    check = check_core(game, shapley(game))
    assert check.individually_rational
    assert not check.in_core
    assert [v[0] for v in check.core_violations] == [
        frozenset("AB"),
        frozenset("AC"),
        frozenset("BC"),
    ]
    for _coalition, allocated, alone in check.core_violations:
        assert allocated == pytest.approx(40 / 3)
        assert alone == 12
    for rule in (equal_profit, nucleolus):
        a = rule(game)
        assert a.epsilon == pytest.approx(4 / 3)
        assert "core is empty" in a.note
        assert shares(a) == pytest.approx({"A": 20 / 3, "B": 20 / 3, "C": 20 / 3})


def test_empty_core_epm_uses_the_least_core() -> None:
    # Asymmetric empty core: EPM must still keep every coalition within ε of its cost.
    costs = {"A": 10, "B": 8, "C": 6, "AB": 11, "AC": 9, "BC": 8, "ABC": 19}
    game = table_game(costs)
    eps = least_core_epsilon(game)
    assert eps > 0
    for rule in (equal_profit, nucleolus):
        a = rule(game)
        assert a.epsilon == pytest.approx(eps)
        check = check_core(game, a, tol=eps + 1e-6)
        assert check.in_core, (rule, check)
        assert not check_core(game, a).in_core


def test_symmetric_game_gives_equal_shares() -> None:
    f = [0.0, 10.0, 16.0, 21.0, 25.0]
    game = CostGame(["P1", "P2", "P3", "P4"], lambda s: f[len(s)])
    for rule in RULES:
        assert list(shares(rule(game)).values()) == pytest.approx([6.25] * 4), rule


def test_dummy_provider_pays_its_stand_alone_cost() -> None:
    base = {"A": 6.0, "B": 9.0}

    def cost(s: frozenset[str]) -> float:
        pooled = max((base[p] for p in s if p in base), default=0.0)
        return pooled + (5.0 if "D" in s else 0.0)

    game = CostGame(["A", "B", "D"], cost)
    sh = shapley(game)
    assert sh.cost_share["D"] == pytest.approx(5.0)
    assert sh.saving["D"] == pytest.approx(0.0)
    assert shares(sh) == pytest.approx({"A": 3.0, "B": 6.0, "D": 5.0})
    # the nucleolus gives a dummy its stand-alone cost too
    assert nucleolus(game).cost_share["D"] == pytest.approx(5.0)


def test_one_player() -> None:
    game = CostGame(["A"], lambda s: 7.0)
    for rule in RULES:
        a = rule(game)
        assert shares(a) == pytest.approx({"A": 7.0})
        assert a.saving["A"] == pytest.approx(0.0)
    assert check_core(game, {"A": 7.0}).in_core


def test_nucleolus_prenucleolus_when_pooling_costs_more() -> None:
    game = CostGame(["A", "B"], lambda s: {1: 5.0, 2: 12.0}[len(s)])
    nu = nucleolus(game)
    assert shares(nu) == pytest.approx({"A": 6.0, "B": 6.0})
    assert "pre-nucleolus" in nu.note
    assert not check_core(game, nu).individually_rational
    assert "negative" in proportional(game).note


# --- proportional ----------------------------------------------------------------------


def test_proportional_weights_split_the_saving() -> None:
    costs = {"A": 10, "B": 20, "C": 30, "AB": 25, "AC": 35, "BC": 45, "ABC": 48}
    game = table_game(costs)
    # saving 60 - 48 = 12, split 2:1:1 by visits -> 6, 3, 3
    a = proportional(game, weights={"A": 2, "B": 1, "C": 1})
    assert dict(a.saving) == pytest.approx({"A": 6, "B": 3, "C": 3})
    assert shares(a) == pytest.approx({"A": 4, "B": 17, "C": 27})
    assert "given weights" in a.note
    # the cost split by visits instead: 48 * (2, 1, 1) / 4
    b = proportional(game, weights={"A": 2, "B": 1, "C": 1}, split="cost")
    assert shares(b) == pytest.approx({"A": 24, "B": 12, "C": 12})
    assert not check_core(game, b).individually_rational
    assert check_core(game, b).ir_violations == pytest.approx({"A": 14})
    # default weights: the same relative saving for everyone (12 / 60 = 20 %)
    c = proportional(game)
    assert "20 %" in c.note
    for p in game.players:
        assert c.saving[p] / game.stand_alone(p) == pytest.approx(0.2)


def test_to_frame() -> None:
    game = table_game({"A": 12, "B": 10, "C": 8, "AB": 18, "AC": 16, "BC": 14, "ABC": 21})
    frame = shapley(game).to_frame()
    assert list(frame.index) == ["A", "B", "C"]
    assert frame["stand_alone"].tolist() == pytest.approx([12, 10, 8])
    assert frame["saving_pct"].tolist() == pytest.approx([25, 30, 37.5])
    assert "std_error" not in frame


# --- invariants over random games ------------------------------------------------------


@st.composite
def route_games(draw: st.DrawFn) -> CostGame:
    """Subadditive (indeed concave) games from random route lengths around one office.

    Provider i's furthest client lies ``east[i]`` km east and ``west[i]`` km west of the
    office, and its visits take ``care[i]``; a coalition sends one car out and back both
    ways (the longest reach wins) and pays a fixed cost per car. Longest reaches are
    submodular, so the core is non-empty and contains the Shapley value.
    """
    n = draw(st.integers(2, 5))
    km = st.floats(0, 50, allow_nan=False)
    east = draw(st.lists(km, min_size=n, max_size=n))
    west = draw(st.lists(km, min_size=n, max_size=n))
    care = draw(st.lists(st.floats(0, 20, allow_nan=False), min_size=n, max_size=n))
    fixed = draw(st.floats(0, 30, allow_nan=False))
    names = [f"P{i}" for i in range(n)]
    ix = {p: i for i, p in enumerate(names)}

    def cost(s: frozenset[str]) -> float:
        idx = [ix[p] for p in s]
        return (
            fixed
            + 2 * max(east[i] for i in idx)
            + 2 * max(west[i] for i in idx)
            + sum(care[i] for i in idx)
        )

    return CostGame(names, cost)


@st.composite
def arbitrary_games(draw: st.DrawFn) -> CostGame:
    """Any non-negative costs (the core may well be empty)."""
    n = draw(st.integers(2, 4))
    names = [f"P{i}" for i in range(n)]
    table: dict[frozenset[str], float] = {}
    for size in range(1, n + 1):
        for combo in itertools.combinations(names, size):
            table[frozenset(combo)] = draw(st.floats(0, 100, allow_nan=False))
    return CostGame.from_table(table)


@settings(max_examples=40, deadline=None)
@given(game=route_games())
def test_route_games_every_rule_adds_up_and_stays_in_the_core(game: CostGame) -> None:
    total = game.grand()
    assert game.total_saving() >= -1e-9  # subadditive
    for rule in RULES:
        a = rule(game)
        assert math.fsum(a.cost_share.values()) == pytest.approx(total, rel=1e-12, abs=1e-9)
        for p in game.players:
            assert a.saving[p] == pytest.approx(game.stand_alone(p) - a.cost_share[p])
        check = check_core(game, a, tol=1e-6)
        assert check.individually_rational, (rule, check)
        if rule is not proportional:  # concave game: Shapley, EPM and nucleolus in the core
            assert check.in_core, (rule, check)


@settings(max_examples=40, deadline=None)
@given(game=arbitrary_games())
def test_arbitrary_games_every_rule_adds_up(game: CostGame) -> None:
    total = game.grand()
    for rule in RULES:
        a = rule(game)
        assert math.fsum(a.cost_share.values()) == pytest.approx(total, rel=1e-12, abs=1e-9)
    eps = least_core_epsilon(game)
    for rule in (equal_profit, nucleolus):
        a = rule(game)
        assert a.epsilon == pytest.approx(eps, abs=1e-7)
        if abs(eps) > 1e-6:  # clearly empty or clearly not
            assert ("core is empty" in a.note) == (eps > 0)
    # EPM stays in the least core
    assert check_core(game, equal_profit(game), tol=max(eps, 0) + 1e-6).in_core
    # the nucleolus is an imputation when there are any, and its largest excess is the
    # least-core value when that is reached by an imputation (always when the core exists)
    nu = nucleolus(game)
    worst = max(_sorted_excesses(game, nu.cost_share))
    assert worst >= eps - 1e-7
    if game.total_saving() >= 0:
        assert check_core(game, nu).individually_rational
    if eps <= 0:
        assert worst == pytest.approx(eps, abs=1e-7)
        assert check_core(game, nu).in_core


def _sorted_excesses(game: CostGame, x: Mapping[str, float]) -> list[float]:
    out = []
    for size in range(1, game.n):
        for combo in itertools.combinations(game.players, size):
            out.append(sum(x[p] for p in combo) - game.value(frozenset(combo)))
    return sorted(out, reverse=True)


@settings(max_examples=25, deadline=None)
@given(game=arbitrary_games(), seed=st.integers(0, 2**16))
def test_nucleolus_is_lexicographically_minimal(game: CostGame, seed: int) -> None:
    """No nearby imputation has a lexicographically smaller sorted excess vector."""
    if game.total_saving() < 0:
        return  # no imputations: pre-nucleolus, covered elsewhere
    nu = dict(nucleolus(game).cost_share)
    best = _sorted_excesses(game, nu)
    alone = {p: game.stand_alone(p) for p in game.players}
    rng = np.random.default_rng(seed)
    for _ in range(30):
        step = rng.normal(size=game.n) * rng.choice([1e-3, 1e-1, 1.0])
        step -= step.mean()  # stays efficient
        other = {p: nu[p] + float(step[i]) for i, p in enumerate(game.players)}
        if any(other[p] > alone[p] for p in game.players):
            continue
        theirs = _sorted_excesses(game, other)
        for mine, them in zip(best, theirs, strict=True):
            if abs(mine - them) > 1e-7:
                assert mine < them, (nu, other)
                break


@settings(max_examples=30, deadline=None)
@given(game=route_games())
def test_proportional_is_individually_rational_for_subadditive_games(game: CostGame) -> None:
    a = proportional(game)
    assert check_core(game, a).individually_rational
    assert all(v >= -1e-9 for v in a.saving.values())


# --- sampled Shapley -------------------------------------------------------------------


def test_sampled_shapley_additive_game_is_exact() -> None:
    alone = {f"P{i:02d}": float(3 + 2 * i) for i in range(14)}
    game = CostGame(alone, lambda s: sum(alone[p] for p in s))
    a = shapley(game, samples=300, seed=1)
    assert a.method == "shapley (sampled)"
    assert a.std_error is not None
    for p, c in alone.items():
        assert abs(a.cost_share[p] - c) <= 3 * a.std_error[p] + 1e-9
        assert a.cost_share[p] == pytest.approx(c)
    assert "Monte Carlo over 300 random permutations (seed 1)" in a.note
    assert math.fsum(a.cost_share.values()) == pytest.approx(game.grand(), rel=1e-14)


def test_sampled_shapley_airport_within_three_standard_errors() -> None:
    # 14 providers on one road; exact Shapley: every segment split among those beyond it,
    # phi_k = sum_{j<=k} (c_j - c_{j-1}) / (n - j + 1) for costs sorted increasingly.
    n = 14
    lengths = [float(1 + i * i % 23 + i) for i in range(n)]
    names = [f"P{i:02d}" for i in range(n)]
    costs = dict(zip(names, lengths, strict=True))
    order = sorted(names, key=lambda p: costs[p])
    exact, acc, prev = {}, 0.0, 0.0
    for j, p in enumerate(order):
        acc += (costs[p] - prev) / (n - j)
        prev = costs[p]
        exact[p] = acc
    assert sum(exact.values()) == pytest.approx(max(lengths))
    cost, calls = counting(lambda s: max(costs[p] for p in s))
    game = CostGame(names, cost)
    a = shapley(game, samples=2000, seed=0)
    assert a.std_error is not None
    assert max(a.std_error.values()) > 0
    for p in names:
        assert abs(a.cost_share[p] - exact[p]) <= 3 * a.std_error[p], p
    assert math.fsum(a.cost_share.values()) == pytest.approx(game.grand(), rel=1e-14)
    assert max(calls.values()) == 1
    assert game.evaluations == len(calls) <= 2000 * (n - 1) + n
    # the same seed gives the same estimate, without planning anything again
    before = game.evaluations
    assert shares(shapley(game, samples=2000, seed=0)) == shares(a)
    assert game.evaluations == before
    # and a larger exact_max_players makes it exact
    assert shares(shapley(airport(costs), exact_max_players=n)) == pytest.approx(exact)


def test_check_core_samples_beyond_exact_max_players() -> None:
    alone = {f"P{i:02d}": 10.0 for i in range(14)}
    game = CostGame(alone, lambda s: 10.0 + 2.0 * len(s))  # a fixed 10 shared by everyone
    fair = {p: 10.0 / 14 + 2.0 for p in alone}
    check = check_core(game, fair, samples=50, seed=3)
    assert check.in_core
    assert not check.exhaustive
    assert "not exhaustive" in check.note
    assert 14 + 1 <= check.coalitions_checked <= 14 + 1 + 50
    assert game.evaluations == check.coalitions_checked
    unfair = {p: (24.0 if p == "P00" else (38.0 - 24.0) / 13) for p in alone}
    check = check_core(game, unfair, samples=0)
    assert check.ir_violations == pytest.approx({"P00": 12.0})
    assert check.core_violations[0][0] == frozenset({"P00"})
    assert not check.in_core


# --- the cache -------------------------------------------------------------------------


def test_every_coalition_is_planned_at_most_once() -> None:
    costs = {"A": 12.0, "B": 10.0, "C": 8.0, "D": 5.0}

    def raw(s: frozenset[str]) -> float:
        return 0.8 * sum(costs[p] for p in s) + 0.2 * max(costs[p] for p in s)

    cost, calls = counting(raw)
    game = CostGame(costs, cost)
    proportional(game)
    assert game.evaluations == 5  # four singletons and the grand coalition
    for rule in RULES:
        check_core(game, rule(game))
    least_core_epsilon(game)
    game.value({"A", "B"})
    assert frozenset() not in calls
    assert max(calls.values()) == 1
    assert len(calls) == 2**4 - 1 == game.evaluations
    assert dict(game.cache) == {s: raw(s) for s in calls}
    assert game.value(set()) == 0.0


# --- errors ----------------------------------------------------------------------------


def test_bad_players() -> None:
    with pytest.raises(InputError) as err:
        CostGame([], lambda s: 0.0)
    assert "at least one player" in str(err.value)
    with pytest.raises(InputError) as err:
        CostGame(["A", "B", "A", "", "B"], "not callable")  # type: ignore[arg-type]
    reasons = [p.reason for p in err.value.problems]
    assert len(reasons) == 4
    assert sum("listed 2 times" in r for r in reasons) == 2
    assert any("non-empty string" in r for r in reasons)
    assert any("callable" in r for r in reasons)
    with pytest.raises(InputError):
        CostGame("AB", lambda s: 0.0)


def test_bad_costs_are_all_listed() -> None:
    bad = {"A": -1.0, "B": float("nan"), "AB": float("inf")}

    def cost(s: frozenset[str]) -> float:
        return bad.get("".join(sorted(s)), 5.0)

    game = CostGame(["A", "B", "C"], cost)
    with pytest.raises(InputError) as err:
        shapley(game)
    text = str(err.value)
    assert len(err.value.problems) == 3
    assert "{A} is negative" in text
    assert "{B} is NaN" in text
    assert "{A, B} is infinite" in text
    evaluations = game.evaluations
    with pytest.raises(InputError):
        game.stand_alone("A")
    assert game.evaluations == evaluations  # a bad value is not planned again
    with pytest.raises(InputError, match="not a number"):
        CostGame(["A"], lambda s: None).grand()  # type: ignore[arg-type,return-value]


def test_bad_coalitions_and_options() -> None:
    game = airport({"A": 1.0, "B": 2.0})
    with pytest.raises(InputError, match="not a player"):
        game.value({"A", "Z"})
    with pytest.raises(InputError, match="not one string"):
        game.value("AB")
    with pytest.raises(InputError) as err:
        shapley(game, samples=1, exact_max_players=-1)
    assert len(err.value.problems) == 2
    with pytest.raises(InputError, match="incomplete cost table"):
        shapley(CostGame.from_table({frozenset("A"): 1.0, frozenset("B"): 2.0}))


def test_bad_weights_are_all_listed() -> None:
    game = airport({"A": 1.0, "B": 2.0, "C": 3.0})
    with pytest.raises(InputError) as err:
        proportional(game, weights={"A": -1.0, "B": float("nan"), "Z": 1.0})
    rows = {(p.row, p.reason) for p in err.value.problems}
    assert rows == {
        ("A", "a weight must be a finite number ≥ 0"),
        ("B", "a weight must be a finite number ≥ 0"),
        ("C", "no weight for this player"),
        ("Z", "not a player of this game"),
    }
    with pytest.raises(InputError, match="all zero"):
        proportional(game, weights={"A": 0, "B": 0, "C": 0})
    with pytest.raises(InputError, match="saving"):
        proportional(game, split="visits")  # type: ignore[arg-type]


def test_core_rules_refuse_too_many_players() -> None:
    game = CostGame([f"P{i}" for i in range(5)], lambda s: float(len(s)))
    for rule in (equal_profit, nucleolus):
        with pytest.raises(InputError, match="max_players"):
            rule(game, max_players=4)
    assert game.evaluations == 0  # refused before planning anything


def test_check_core_bad_allocation() -> None:
    game = airport({"A": 1.0, "B": 2.0})
    with pytest.raises(InputError) as err:
        check_core(game, {"A": float("nan"), "Z": 1.0}, tol=-1)
    assert len(err.value.problems) == 4
    check = check_core(game, {"A": 0.5, "B": 1.0})
    assert not check.in_core
    assert check.budget_gap == pytest.approx(-0.5)
    assert "do not sum" in check.note
