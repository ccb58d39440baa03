# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Hoensbroek: a cooperative of eight providers, and who gets what
#
# In Hoensbroek (Heerlen) a district cooperative of eight providers delivers support across
# organisational lines, funded on results rather than per provider.
#
# **The question.** If the eight providers plan their day together, what does the
# cooperative save, and how should the saving be shared? Pooling crosses contracts, so every
# visit served by another provider needs a settlement between providers; and a fair share of
# the saving decides whether the cooperative holds: no provider, and no group of providers,
# should be better off on its own.
#
# **What this notebook does.**
#
# 1. A sweep over the consent rate shows how much the cooperative saves, and how much that
#    varies from day to day (seeds).
# 2. For one day it plans every *coalition* of providers (all 255 groups of the eight) and
#    splits the pooled cost with four rules of `zorgroute.allocation`: proportional to each
#    provider's cost alone, the Shapley value, the equal profit method and the nucleolus;
#    and checks each split against the *core* (no group pays more than on its own).
# 3. It shows the settlement per provider: what each receives for visits it serves for
#    others and pays for visits others serve for it, at a transfer price per visit and per
#    kilometre.
#
# Costs are in euros of the cost model of `zorgroute.pooling.PoolingSettings`: €0.23 per km,
# €35 per drive hour, €60 per visit left unplanned.
#
# **Offline.** The villages of Parkstad Limburg around Hoensbroek are moved onto the bundled
# demo road graph (the `scale` column says by how much). The day has `VISITS` visits: the
# district's share of the region's demand, not all of Parkstad.

# %% tags=["parameters"]
# SMALL = True: a tiny run (a first look, and CI): few scenarios, a small solver budget.
SMALL = False
# None: a local Dask cluster; "serial": in this kernel; or a scheduler "tcp://host:8786".
SCHEDULER = None
# A .csv or .parquet file to keep the rows in: rerunning skips the scenarios done there.
RESULTS = None

# %%
# ruff: noqa: E402  (a notebook: the imports follow its parameters cell)
import warnings
from dataclasses import replace

import matplotlib.pyplot as plt
import pandas as pd

from zorgroute import allocation, pooling, scenarios
from zorgroute.generate import GeneratorWarning

# villages moved onto the demo graph may lie off its roads; sweep rows list it in `warnings`
warnings.simplefilter("ignore", GeneratorWarning)

PROVIDERS = 8
if SMALL:
    VISITS = 30
    CONSENT = [0.6, 1.0]
    SEEDS = [0]
    MAX_SOLUTIONS = 15
else:
    VISITS = 120
    CONSENT = [0.4, 0.6, 0.8, 1.0]
    SEEDS = [0, 1, 2]
    MAX_SOLUTIONS = 300

base = {"region": "hoensbroek", "kind": "day", "n_providers": PROVIDERS, "n_visits": VISITS}
todo = scenarios.grid(**base, consent_rate=CONSENT, seed=SEEDS, max_solutions=MAX_SOLUTIONS)
print(f"{len(todo)} scenarios")

# %% [markdown]
# ## 1. What the cooperative saves

# %%
results = scenarios.sweep(todo, scheduler=SCHEDULER, results_path=RESULTS)
ok = results[results["status"] == "ok"]
columns = ["consent_rate", "seed", "visits", "solo_km", "km", "saved_pct"]
columns += ["solo_unplanned", "unplanned", "solo_cost_eur", "cost_eur", "saved_eur"]
ok[columns]

# %%
fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
ax.plot(ok["consent_rate"], ok["saved_eur"], "o", alpha=0.6, label="one day (seed)")
mean = ok.groupby("consent_rate")["saved_eur"].mean()
ax.plot(mean.index, mean.values, "-", color="#1f77b4", label="mean")
ax.set_xlabel("share of clients who consent to another provider")
ax.set_ylabel("saving of the cooperative (€ per day)")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# The saving in euros weighs kilometres, drive hours and visits that only the cooperative
# could plan. The spread between seeds is the difference between one day and another: a
# split agreed on one day's figures should be checked on several.
#
# ## 2. Sharing the saving of one day
#
# The day with full consent (first seed). First the plan of each provider alone and of
# the cooperative, per provider:

# %%
day = next(s for s in todo if s.consent_rate == max(CONSENT) and s.seed == SEEDS[0])
prepared = scenarios.prepare(day)
comparison = scenarios.compare_scenario(prepared)
comparison.table()[
    [
        "name",
        "visits",
        "solo_km",
        "pooled_km",
        "solo_cost_eur",
        "pooled_cost_eur",
        "served_for_others",
        "served_by_others",
    ]
].round(1)

# %% [markdown]
# Each provider's `pooled_cost_eur` is the cost of what its own nurses do in the pooled
# plan: a provider that serves many visits for others looks *more* expensive pooled,
# although the cooperative as a whole saves. That is why the saving is shared by a rule,
# not read off the plan. The rules need the cost of every group of providers planning
# together: 255 plans for eight providers, each with the scenario's solver budget (so that
# the whole cooperative costs what the pooled plan above costs). A group never costs more
# than its members alone: it could always choose not to pool.

# %%
settings = pooling.PoolingSettings()
options = replace(day.solve_options(), pooled=True)
night, matrices = prepared.night, prepared.matrices
cost = pooling.coalition_cost(night, matrices, comparison.solo, options, settings)
players = list(night.providers)
game = allocation.CostGame(players, cost)
rules = {
    "proportional": allocation.proportional(game),
    "Shapley": allocation.shapley(game),
    "equal profit": allocation.equal_profit(game),
    "nucleolus": allocation.nucleolus(game),
}
checks = {name: allocation.check_core(game, a) for name, a in rules.items()}
print(f"{game.evaluations} coalitions planned")
print(f"alone: €{sum(game.stand_alone(p) for p in players):.2f}, together: €{game.grand():.2f}")

# %%
savings = pd.DataFrame({name: pd.Series(a.saving) for name, a in rules.items()})
savings.round(2)

# %%
pd.DataFrame(
    {
        name: {
            "no provider pays more than alone": check.individually_rational,
            "no group pays more than alone (core)": check.in_core,
            "groups checked": check.coalitions_checked,
        }
        for name, check in checks.items()
    }
)

# %%
fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
shares = savings
width = 0.8 / len(rules)
for k, name in enumerate(rules):
    ax.bar([i + k * width for i in range(len(shares))], shares[name], width, label=name)
ax.set_xticks([i + 0.4 - width / 2 for i in range(len(shares))], shares.index, rotation=20)
ax.axhline(0, color="#333333", lw=0.8)
ax.set_ylabel("saving against planning alone (€ per day)")
ax.set_title("Each provider's share of the saving, by rule")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# **How to read it.** Every rule hands out the same total saving. *Proportional* gives each
# provider the same percentage of its cost alone; *Shapley* pays each for what it adds on
# average to every group it could join; *equal profit* makes the percentages as equal as the
# core allows; the *nucleolus* makes the least happy group as happy as possible. A negative
# share means that provider would pay more than alone: it has a reason to leave. "In the
# core" says whether *no group* of providers would be better off on its own; when no rule is
# in the core, some group always gains by leaving, and the cooperative holds only by an
# agreement beyond the numbers (e.g. funding on results for the whole district).

# %% [markdown]
# ## 3. The settlement between providers
#
# Who serves whose clients, and what that is worth at the transfer prices (per visit served
# for another provider, and per kilometre of the leg to it). A positive settlement is
# received, a negative one paid; they sum to zero. The settlement pays for the work; the
# shares above split the saving: a cooperative needs both.

# %%
ledger = comparison.table().set_index("name").drop(index="total")
settlement = ledger[["served_for_others", "served_by_others", "km_for_others", "settlement_eur"]]
print(
    f"transfer price: €{settings.transfer_eur_per_visit:.2f} per visit, "
    f"€{settings.transfer_eur_per_km:.2f} per km"
)
settlement.round(2)

# %%
fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
colours = ["#2ca02c" if x >= 0 else "#d62728" for x in settlement["settlement_eur"]]
ax.bar(settlement.index, settlement["settlement_eur"], color=colours)
ax.axhline(0, color="#333333", lw=0.8)
ax.set_ylabel("€ per day (+ received, − paid)")
ax.set_title("Settlement for visits served across providers")
ax.tick_params(axis="x", rotation=20)
plt.show()
