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
# # Midden-Limburg West: fixed territories or pooled district teams?
#
# In Midden-Limburg West (Nederweert/Ospel, Leudal West, Weert-Centrum/Biest) social
# district teams (sociale wijkteams) of the municipalities, care providers and the health
# insurer each run a pilot with its own territory.
#
# **The question.** Each team serves the clients of its own territory. What would it save,
# and how many more visits could be planned, if the teams helped each other across the
# borders of their territories? And how do both compare with the market arrangement, where
# competing providers each serve their own clients anywhere in the region?
#
# **The model.** With `territories=True` every client belongs to the team whose office is
# nearest (the territories are the areas closest to each office; in reality the
# municipalities draw them). The *solo* plan of such a scenario is "fixed territories", the
# *pooled* plan "teams help across borders" for the clients who consent (`consent_rate`; one
# covenant for all clients of the district teams would make it 1). With
# `territories=False` the same number of competing providers share the clients by market
# share instead. Teams work by day (`kind="day"`).
#
# **Offline.** The villages of Midden-Limburg West are moved onto the bundled demo road
# graph; the `scale` column says by how much. The offices are drawn by the generator
# (synthetic), not the pilots' real addresses.

# %% tags=["parameters"]
# SMALL = True: a tiny run (a first look, and CI): few scenarios, a small solver budget.
SMALL = False
# None: a local Dask cluster; "serial": in this kernel; or a scheduler "tcp://host:8786".
SCHEDULER = None
# A .csv or .parquet file to keep the rows in: rerunning skips the scenarios done there.
RESULTS = None

# %%
# ruff: noqa: E402, B018  (a notebook: imports follow the parameters, results shown bare)
import textwrap
import warnings

import folium
import matplotlib.pyplot as plt
import pandas as pd

from zorgroute import report, scenarios
from zorgroute.generate import GeneratorWarning

# villages moved onto the demo graph may lie off its roads; sweep rows list it in `warnings`
warnings.simplefilter("ignore", GeneratorWarning)

TEAMS = 3
if SMALL:
    CONSENT = [1.0]
    SEEDS = [0]
    BUDGET = {"n_visits": 30, "max_solutions": 30}
else:
    CONSENT = [0.6, 0.8, 1.0]
    SEEDS = [0, 1, 2]
    BUDGET = {"max_solutions": 200}

todo = scenarios.grid(
    region="midden-limburg-west",
    kind="day",
    n_providers=TEAMS,
    territories=[True, False],
    consent_rate=CONSENT,
    seed=SEEDS,
    **BUDGET,
)
print(f"{len(todo)} scenarios")

# %% [markdown]
# ## Run the sweep

# %%
results = scenarios.sweep(todo, scheduler=SCHEDULER, results_path=RESULTS)
results.groupby("status").size()

# %% [markdown]
# ## Three arrangements side by side
#
# From each territorial scenario come two arrangements (its solo plan: fixed territories;
# its pooled plan: teams help across borders), from each market scenario the providers
# planning alone. Means over the seeds.

# %%
ok = results[results["status"] == "ok"]
rows = []
for _, r in ok.iterrows():
    if r["territories"]:
        rows.append(("fixed territories", r, "solo_"))
        rows.append(("teams help across borders", r, ""))
    else:
        rows.append(("competing providers, alone", r, "solo_"))
arrangements = pd.DataFrame(
    [
        {
            "arrangement": name,
            "consent_rate": r["consent_rate"],
            "seed": r["seed"],
            "km": r[f"{p}km"],
            "drive_h": r[f"{p}drive_h"],
            "unplanned": r[f"{p}unplanned"],
            "shifts_used": r[f"{p}shifts_used"],
            "cost_eur": r[f"{p}cost_eur"],
        }
        for name, r, p in rows
    ]
)
order = ["competing providers, alone", "fixed territories", "teams help across borders"]
table = arrangements.groupby(["consent_rate", "arrangement"]).mean(numeric_only=True)
table = table.drop(columns="seed").reindex(order, level="arrangement")
table.round(1)

# %%
top = max(CONSENT)
part = table.loc[top].reindex(order)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
for ax, column, label in zip(
    axes,
    ["km", "unplanned", "cost_eur"],
    ["km driven", "visits unplanned", "cost (€: km, drive hours, unplanned)"],
    strict=True,
):
    ax.bar(range(len(order)), part[column], color=["#b0b0b0", "#ff7f0e", "#1f77b4"])
    ax.set_xticks(range(len(order)), [textwrap.fill(o, 16) for o in order], fontsize=8)
    ax.set_title(label)
fig.suptitle(f"Consent rate {top:.0%}")
plt.show()

# %% [markdown]
# **How to read it.** Fixed territories keep every nurse close to home, so they often drive
# less than competing providers who criss-cross the whole region; but a territory with more
# clients than its team can take leaves visits unplanned while the neighbouring team has
# room. Helping across borders fills those gaps: expect fewer unplanned visits, and
# kilometres that may rise a little for it. The cost column weighs both (€0.23 per km, €35
# per drive hour, €60 per unplanned visit: `zorgroute.pooling.PoolingSettings`).

# %% [markdown]
# ## The territories on the map
#
# One territorial scenario (highest consent, first seed): every client in the colour of its
# team, the team offices as large circles, and a red ring around each client whom another
# team serves in the pooled plan. Offline, the roads are the demo region's and the layout is
# Midden-Limburg West's.

# %%
chosen = next(s for s in todo if s.territories and s.consent_rate == top)
prepared = scenarios.prepare(chosen)
comparison = scenarios.compare_scenario(prepared)
colours = report.provider_colours(comparison)
served_by = {
    st.visit_id: route.provider for route in comparison.pooled.routes for st in route.stops
}
lat, lon = prepared.night.location_arrays()
fmap = folium.Map(location=(float(lat.mean()), float(lon.mean())), zoom_start=11)
for v in prepared.night.visits:
    crossed = served_by.get(v.visit_id, v.provider) != v.provider
    folium.CircleMarker(
        (v.lat, v.lon),
        radius=5,
        color="#d62728" if crossed else colours[v.provider],
        weight=3 if crossed else 1,
        fill=True,
        fill_color=colours[v.provider],
        fill_opacity=0.9,
        tooltip=f"{v.visit_id}: team {v.provider}"
        + (f", served by {served_by[v.visit_id]}" if crossed else ""),
    ).add_to(fmap)
for team, office in (
    prepared.shifts.groupby("provider")[["start_lat", "start_lon"]].first().iterrows()
):
    folium.CircleMarker(
        (office["start_lat"], office["start_lon"]),
        radius=11,
        color="#000000",
        fill=True,
        fill_color=colours[team],
        fill_opacity=1.0,
        tooltip=f"office of {team}",
    ).add_to(fmap)
fmap
