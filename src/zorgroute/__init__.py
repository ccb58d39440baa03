"""zorgroute: shared home-care route planning for sparse rural regions.

Several home-care providers serving the same villages pool their night (or day) visits:
zorgroute builds the road graph of the region from OpenStreetMap, computes travel times
between clients, plans the pooled routes with OR-Tools and shows each provider what it gains.
"""

__version__ = "0.1.0"
