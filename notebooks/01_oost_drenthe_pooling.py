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
# # Oost-Drenthe: what does pooling the night save?
#
# In the peat villages of Borger-Odoorn and Aa en Hunze eighteen parties signed a covenant
# to pool care. The problem they name: a provider drives 20 km in the middle of the night
# for one client, while a competitor visits the same village for another client.
#
# **The question.** How much driving does pooling the night save, and how does the saving
# depend on
#
# - the **consent rate**: the share of clients who agree to a nurse of another provider, and
# - the **number of providers** that split the region's clients between them?
#
# **What this notebook does.** Each scenario is one synthetic but plausible night in
# Oost-Drenthe: clients live in the region's villages in proportion to their population
# (GeoNames), visits and shifts follow `zorgroute.generate`, and the number of visits
# follows the demand model of `zorgroute.scenarios` (visits per inhabitant by age group).
# Every night is planned twice with the same solver budget: *solo* (each provider its own
# clients) and *pooled* (a consenting client may get another provider's nurse). A sweep runs
# every combination on a local Dask cluster and gives one row per scenario.
#
# **Offline.** The scenarios plan on the bundled road graph of the demo region (the Kempen):
# Oost-Drenthe's village layout is moved and scaled onto it, keeping its shape. Kilometres
# are therefore smaller than in Drenthe by the factor in the `scale` column; percentages and
# comparisons between scenarios are what to read. Set `online=True` in the grid to plan on
# Oost-Drenthe's own roads (downloaded once from OpenStreetMap).

# %% tags=["parameters"]
# SMALL = True: a tiny run (a first look, and CI): few scenarios, a small solver budget.
SMALL = False
# None: a local Dask cluster; "serial": in this kernel; or a scheduler "tcp://host:8786".
SCHEDULER = None
# A .csv or .parquet file to keep the rows in: rerunning skips the scenarios done there.
RESULTS = None

# %%
# ruff: noqa: E402, B018  (a notebook: imports follow the parameters, results shown bare)
import warnings

import folium
import matplotlib.pyplot as plt

from zorgroute import output, report, scenarios
from zorgroute.generate import GeneratorWarning

# villages moved onto the demo graph may lie off its roads; sweep rows list it in `warnings`
warnings.simplefilter("ignore", GeneratorWarning)

if SMALL:
    CONSENT = [0.3, 1.0]
    PROVIDERS = [3, 6]
    SEEDS = [0]
    BUDGET = {"n_visits": 30, "max_solutions": 30}
else:
    CONSENT = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    PROVIDERS = [2, 3, 5, 7]
    SEEDS = [0, 1, 2]
    BUDGET = {"max_solutions": 300}

todo = scenarios.grid(
    region="oost-drenthe", n_providers=PROVIDERS, consent_rate=CONSENT, seed=SEEDS, **BUDGET
)
print(f"{len(todo)} scenarios")

# %% [markdown]
# ## Run the sweep
#
# The progress bar counts scenarios as they finish. A scenario that fails does not stop the
# others: its row says `status = "failed"` and why in `error`.

# %%
results = scenarios.sweep(todo, scheduler=SCHEDULER, results_path=RESULTS)
results.groupby("status").size()

# %%
ok = results[results["status"] == "ok"]
columns = ["n_providers", "consent_rate", "seed", "visits", "shifts", "solo_km", "km"]
columns += ["saved_pct", "served_by_others", "solo_unplanned", "unplanned", "violations"]
ok[columns].head(12)

# %% [markdown]
# Each row is one night: `solo_km` and `km` are the kilometres of the solo and the pooled
# plan, `saved_pct` the saving in per cent of solo, `served_by_others` the visits a nurse of
# another provider makes. `violations` must be 0: it counts what the independent plan
# checker found wrong in the two plans. `scale` says how much smaller than the real region
# the night was planned:

# %%
print(ok["note"].iloc[0])
print("scale:", ok["scale"].iloc[0], "- divide km by it for a rough figure at Drenthe's size")

# %% [markdown]
# ## The saving by consent rate and number of providers
#
# The mean over the seeds; with more than one seed the band shows the lowest and the
# highest night. Where bands of neighbouring points overlap, their difference is the noise
# of one night, not an effect.

# %%
table = (
    ok.groupby(["n_providers", "consent_rate"])["saved_pct"]
    .agg(["mean", "min", "max"])
    .reset_index()
)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
for n, part in table.groupby("n_providers"):
    left.plot(part["consent_rate"], part["mean"], marker="o", label=f"{n} providers")
    left.fill_between(part["consent_rate"], part["min"], part["max"], alpha=0.15)
left.set_xlabel("share of clients who consent to another provider")
left.set_ylabel("km saved by pooling (% of solo)")
left.set_title("Saving against consent")
left.legend(frameon=False)
handovers = ok.groupby(["n_providers", "consent_rate"])["served_by_others"].mean()
for _, part in handovers.groupby(level="n_providers"):
    right.plot(part.index.get_level_values("consent_rate"), part.values, marker="o")
right.set_xlabel("share of clients who consent to another provider")
right.set_ylabel("visits served by another provider")
right.set_title("Handovers against consent")
plt.show()

# %%
ok.pivot_table(index="n_providers", columns="consent_rate", values="saved_pct").round(1)

# %% [markdown]
# **How to read it.** At a consent rate of 0 no visit may change hands, so the pooled plan
# is the solo plan and the saving is 0. The saving should grow with consent, because every
# consenting client is one the nearest nurse may take. With more providers the region's
# clients are split into more, thinner rounds, so each nurse drives further alone and one
# expects more to gain by pooling, but only where enough clients consent: at low consent a
# small provider's few consenting clients may not be worth a detour. Check whether your run
# shows this beyond the spread between seeds (a small run has one seed and no band).
# Published studies report 20–50 % in shared multi-centre home care; a saving far outside
# that range is a reason to look at the scenario's night (below), not a finding.
#
# Watch `solo_unplanned` and `unplanned` too: when pooling lets a visit be planned that solo
# could not fit, the pooled plan may even drive *more*, and the saving in euros
# (`saved_eur`, with €60 per unplanned visit) is the fairer measure.

# %% [markdown]
# ## One night on the map
#
# The pooled plan of the scenario with the most providers and full consent (first seed).
# Lines are the nurses' rounds in their provider's colour; a stop's fill is the colour of
# the client's provider, so a stop whose fill differs from its line is a handover. White
# stops were not planned. Offline, the roads are those of the demo region: the layout and
# the village names are Oost-Drenthe's.

# %%
chosen = next(s for s in todo if s.n_providers == max(PROVIDERS) and s.consent_rate == 1.0)
prepared = scenarios.prepare(chosen)
comparison = scenarios.compare_scenario(prepared)
colours = report.provider_colours(comparison)
owner = {v.visit_id: v.provider for v in prepared.night.visits}
nurse = {sh.shift_id: sh.provider for sh in prepared.night.shifts}
geo = output.plan_geojson(
    prepared.night, comparison.pooled, networks=prepared.networks, travel=prepared.travel
)
lat, lon = prepared.night.location_arrays()
fmap = folium.Map(location=(float(lat.mean()), float(lon.mean())), zoom_start=11)
for feature in geo["features"]:
    props, coords = feature["properties"], feature["geometry"]["coordinates"]
    if props["kind"] == "route":
        folium.PolyLine(
            [(c[1], c[0]) for c in coords], color=colours[props["provider"]], weight=3
        ).add_to(fmap)
    elif props["kind"] in ("stop", "unplanned"):
        visit = props["visit_id"]
        line = colours[nurse[props["shift_id"]]] if props["kind"] == "stop" else "#333333"
        fill = colours[owner[visit]] if props["kind"] == "stop" else "#ffffff"
        folium.CircleMarker(
            (coords[1], coords[0]),
            radius=5,
            color=line,
            fill=True,
            fill_color=fill,
            fill_opacity=0.9,
            tooltip=f"{visit} ({comparison.village_of[visit]}), client of {owner[visit]}",
        ).add_to(fmap)
fmap

# %% [markdown]
# ## Who gains? The ledger of that night
#
# The saving is not even: some providers drive more for others than others drive for them.
# `settlement_eur` is what a provider receives (positive) or pays (negative) for visits
# served across providers, at a transfer price per visit and per kilometre. How to split
# the saving fairly, and whether any group of providers would be better off alone, is the
# subject of the Hoensbroek notebook.

# %%
ledger = comparison.table()
ledger[
    [
        "name",
        "visits",
        "solo_km",
        "pooled_km",
        "saved_km",
        "served_for_others",
        "served_by_others",
        "settlement_eur",
    ]
].round(1)
