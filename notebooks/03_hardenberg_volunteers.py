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
# # Hardenberg: volunteers and informal carers in the area team
#
# In Hardenberg, area teams (gebiedsteams) connect local care questions with local
# initiatives, volunteers and informal care networks, as paid household help is cut back.
#
# **The question.** Part of the day's visits need no nurse: company, a hand with the
# groceries, a reminder, what a care assistant (qualification level 1) may do. If the area
# team brings in volunteers and informal carers as a *low-level resource*, how many of those
# visits do they take, and what does that leave for the professional staff, today and in ten
# years when demand has grown and staff has left?
#
# **The model.** A volunteer is a level-1 shift of the area team (provider `Gebiedsteam`),
# four hours in the middle of the day, starting from home in one of the villages. A
# volunteer may serve only a level-1 visit of a client who consents to someone outside their
# own provider (`consent_rate`). `LEVEL1_SHARE` is the share of visits that need only level 1
# (the generator's default by day is 10 %; an area team that takes on household help sees
# more). The professional staff is sized to today's demand; `ATTRITION` is the share of
# staff lost each year, net of hiring, and demand grows by 3 % a year.
#
# **Reading the planner.** The planner minimises driving and plans as many visits as it
# can. With enough professionals on the road, a nurse already passing by is cheaper than a
# volunteer driving from home, so volunteers get little work; they matter when the staff is
# short and visits would otherwise go unplanned. That is a property of the question, not of
# the tool: a volunteer is an extra pair of hands, not a cheaper one.
#
# **Offline.** Hardenberg's village layout is moved onto the bundled demo road graph; the
# `scale` column says by how much. A full run plans a few hundred day visits per scenario
# and takes a while: try `SMALL = True` first.

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

from zorgroute import scenarios
from zorgroute.generate import GeneratorWarning

# villages moved onto the demo graph may lie off its roads; sweep rows list it in `warnings`
warnings.simplefilter("ignore", GeneratorWarning)

LEVEL1_SHARE = 0.3
ATTRITION = 0.03
if SMALL:
    VOLUNTEERS = [0, 3]
    YEARS = [10]
    SEEDS = [0]
    BUDGET = {"n_visits": 30, "max_solutions": 30}
else:
    VOLUNTEERS = [0, 2, 4, 8]
    YEARS = [0, 10]
    SEEDS = [0, 1]
    BUDGET = {"max_solutions": 100}

todo = scenarios.grid(
    region="hardenberg",
    kind="day",
    level1_share=LEVEL1_SHARE,
    attrition_per_year=ATTRITION,
    years=YEARS,
    volunteer_shifts=VOLUNTEERS,
    seed=SEEDS,
    **BUDGET,
)
print(f"{len(todo)} scenarios")

# %% [markdown]
# ## Run the sweep

# %%
results = scenarios.sweep(todo, scheduler=SCHEDULER, results_path=RESULTS)
results.groupby("status").size()

# %%
ok = results[results["status"] == "ok"].copy()
# what the professionals do: all shifts and kilometres but the volunteers'
ok["staff_shifts_used"] = ok["shifts_used"] - ok["volunteer_shifts_used"]
ok["staff_km"] = ok["km"] - ok["volunteer_km"]
columns = ["years", "volunteer_shifts", "seed", "visits", "shifts", "unplanned"]
columns += ["volunteer_visits", "volunteer_shifts_used", "staff_shifts_used", "staff_km"]
ok[columns].sort_values(["years", "volunteer_shifts", "seed"])

# %% [markdown]
# `shifts` counts the shifts available (volunteers included), `unplanned` the visits no one
# could take, `volunteer_visits` the visits the volunteers made, and `staff_shifts_used` and
# `staff_km` what is left for the professionals.

# %%
mean = ok.groupby(["years", "volunteer_shifts"])[
    ["unplanned", "volunteer_visits", "staff_shifts_used", "staff_km"]
].mean()
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
for years, part in mean.groupby(level="years"):
    x = part.index.get_level_values("volunteer_shifts")
    label = f"in {years} years" if years else "today"
    left.plot(x, part["unplanned"], marker="o", label=f"unplanned, {label}")
    left.plot(x, part["volunteer_visits"], marker="s", ls="--", label=f"by volunteers, {label}")
    right.plot(x, part["staff_km"], marker="o", label=label)
left.set_xlabel("volunteer shifts in the area team")
left.set_ylabel("visits")
left.set_title("Who takes the visits?")
left.legend(frameon=False, fontsize=8)
right.set_xlabel("volunteer shifts in the area team")
right.set_ylabel("km driven by professional staff")
right.set_title("What is left for the professionals")
right.legend(frameon=False)
plt.show()

# %% [markdown]
# **How to read it.** Follow the unplanned visits: where volunteers bring them down, the
# area team fills a gap the professional staff can no longer fill. The dashed lines show how
# much of that is the volunteers' own work. If more volunteers do not lower the unplanned
# visits any further, the remaining gap is in visits a volunteer may not do (level 2 and up,
# or clients who do not consent), and only professional hours close it. Raise
# `LEVEL1_SHARE` to see what taking household help into the area team changes.
