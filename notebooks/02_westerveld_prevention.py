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
# # Westerveld: preventive day visits instead of night visits?
#
# The municipality of Westerveld (Diever, Dwingeloo, Havelte, Vledder) funds small
# experiments to shift from complex, expensive care to accessible preventive care.
#
# **The question.** Suppose the district nurses add *preventive day visits* (a morning
# check, setting out medication, fall prevention) and that these avoid part of the *night
# visits*. What happens to the kilometres, the drive hours and the staff needed, by day and
# by night, today and in ten years when there are more old people?
#
# **The model.** `PREVENTION` is the extra day visits as a share of today's day visits
# (0.2: a fifth more). `AVOIDED_PER_EXTRA` says how much of the night demand that avoids,
# per unit of prevention (0.5: a fifth more day visits avoid a tenth of the night visits).
# There is no published figure for it: it is the analyst's assumption to vary. A day and a
# night are separate scenarios (`kind="day"` and `kind="night"`), each with the demand model
# of `zorgroute.scenarios` times a `demand_factor`. The staff is sized to *today's* demand
# of each kind, so extra visits that the staff cannot take show up as unplanned visits:
# prevention needs day hours.
#
# **Offline.** The villages of Westerveld are moved onto the bundled demo road graph (the
# `scale` column says by how much; Westerveld is small, so close to its own size).

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

import matplotlib.pyplot as plt
import pandas as pd

from zorgroute import scenarios
from zorgroute.generate import GeneratorWarning

# villages moved onto the demo graph may lie off its roads; sweep rows list it in `warnings`
warnings.simplefilter("ignore", GeneratorWarning)

AVOIDED_PER_EXTRA = 0.5
if SMALL:
    PREVENTION = [0.0, 0.3]
    YEARS = [0]
    SEEDS = [0]
    BUDGET = {"max_solutions": 20}
else:
    PREVENTION = [0.0, 0.1, 0.2, 0.3, 0.5]
    YEARS = [0, 10]
    SEEDS = [0, 1, 2]
    BUDGET = {"max_solutions": 300}

todo = []
prevention_of = {}  # scenario key -> its prevention level
for prevention in PREVENTION:
    for kind, factor in (("day", 1 + prevention), ("night", 1 - AVOIDED_PER_EXTRA * prevention)):
        batch = scenarios.grid(
            region="westerveld",
            kind=kind,
            demand_factor=factor,
            years=YEARS,
            seed=SEEDS,
            **BUDGET,
        )
        todo += batch
        prevention_of.update({s.key: prevention for s in batch})
print(f"{len(todo)} scenarios")

# %% [markdown]
# ## Run the sweep
#
# Every night and every day is planned solo and pooled; below we read the pooled plans (the
# region's providers working together), in the columns `km`, `drive_h`, `shifts_used` (the
# staff needed) and `unplanned`.

# %%
results = scenarios.sweep(todo, scheduler=SCHEDULER, results_path=RESULTS)
results["prevention"] = results["key"].map(prevention_of)
results.groupby("status").size()

# %%
ok = results[results["status"] == "ok"]
columns = ["kind", "prevention", "years", "seed", "visits", "shifts", "km", "drive_h"]
columns += ["shifts_used", "unplanned", "violations"]
ok[columns].sort_values(["years", "prevention", "kind"]).head(12)

# %% [markdown]
# ## Day and night against prevention
#
# Means over the seeds. The bars stack the drive hours of the day and of the night; the
# lines count the visits left unplanned and the shifts used.

# %%
mean = (
    ok.groupby(["years", "prevention", "kind"])[["visits", "km", "drive_h", "shifts_used"]]
    .mean()
    .join(ok.groupby(["years", "prevention", "kind"])["unplanned"].mean())
    .unstack("kind")
)
fig, axes = plt.subplots(1, len(YEARS), figsize=(6 * len(YEARS), 4), layout="constrained")
for ax, years in zip([axes] if len(YEARS) == 1 else axes, YEARS, strict=True):
    part = mean.loc[years]
    x = [f"{p:.0%}" for p in part.index]
    ax.bar(x, part[("drive_h", "day")], label="drive hours by day", color="#ffbb78")
    ax.bar(
        x,
        part[("drive_h", "night")],
        bottom=part[("drive_h", "day")],
        label="drive hours at night",
        color="#1f77b4",
    )
    twin = ax.twinx()
    twin.plot(x, part[("unplanned", "day")], "o--", color="#d62728", label="unplanned by day")
    twin.plot(x, part[("unplanned", "night")], "s--", color="#9467bd", label="unplanned at night")
    twin.set_ylabel("unplanned visits")
    ax.set_xlabel("extra preventive day visits")
    ax.set_ylabel("drive hours (pooled plans)")
    ax.set_title(f"in {years} years" if years else "today")
lines, labels = ax.get_legend_handles_labels()
more, more_labels = twin.get_legend_handles_labels()
fig.legend(lines + more, labels + more_labels, frameon=False, loc="outside lower center", ncol=4)
plt.show()

# %%
summary = pd.DataFrame(
    {
        "day visits": mean[("visits", "day")],
        "night visits": mean[("visits", "night")],
        "day shifts used": mean[("shifts_used", "day")],
        "night shifts used": mean[("shifts_used", "night")],
        "night km": mean[("km", "night")],
        "unplanned (day + night)": mean[("unplanned", "day")] + mean[("unplanned", "night")],
    }
)
summary.round(1)

# %% [markdown]
# **How to read it.** Moving demand from the night to the day trades night hours for day
# hours. Night hours are the scarce and expensive ones: night teams are small, work alone
# across a sparse region and cost an irregular-hours allowance. Look for the point where the
# night needs fewer shifts (`night shifts used`) while the day's staff can still plan the
# extra visits (`unplanned` by day stays low); beyond it, prevention needs more day staff
# than today's. In ten years, with about a third more old people and the same staff, the
# same comparison shows how much room prevention can win back. Every figure depends on
# `AVOIDED_PER_EXTRA`: rerun with the value a pilot measures.
