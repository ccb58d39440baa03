"""Build zorgroute's bundled demo region from the real Kempen OpenStreetMap extract.

The demo region lets ``make demo`` and the tests plan offline: rural Kempen (Belgium,
Zoersel/Westmalle – Lille – Vorselaar – Gierle), 20 km from the Dutch border, stands in
for a sparse Dutch region. The source extract lives in ``../shared/data/osm`` beside a
checkout; only the derived, compressed road graphs are committed (``data/demo/``).

Run: ``.venv/bin/python scripts/make_demo_region.py [--shared PATH]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zorgroute import graph

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "kempen-highways.clipfixed.osm.bz2"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "demo")
    args = parser.parse_args(argv)
    osm = args.shared / "data" / "osm" / SOURCE
    if not osm.is_file():
        sys.stderr.write(f"source extract not found: {osm}\n")
        return 2
    for mode in ("car", "bike"):
        G = graph.read_osm_file(osm, mode=mode)
        # the build date would make every rebuild a new file; the source is what matters
        G.graph["zorgroute_built_at"] = G.graph["created_date"] = "from " + SOURCE
        out = graph.save_graph(G, args.out / f"kempen-{mode}.graphml.gz")
        info = graph.graph_info(G)
        sys.stderr.write(
            f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: "
            f"{info.nodes} nodes, {info.edges} edges, {info.road_km:.0f} km of road, "
            f"{out.stat().st_size / 1e6:.2f} MB\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
