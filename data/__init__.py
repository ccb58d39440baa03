"""Data that ships with zorgroute: village tables per region and the bundled demo region."""
