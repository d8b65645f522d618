"""Decision-chain analyses on an account subgraph, networkx style: the graph first,
options keyword-only. Every result explains itself (which people, which edges, why)."""

from graph.analysis.coverage import coach_coverage
from graph.analysis.gaps import GAP_TYPES, Gap, find_gaps, gap_counts
from graph.analysis.paths import strongest_paths

__all__ = ["strongest_paths", "coach_coverage", "find_gaps", "gap_counts", "Gap", "GAP_TYPES"]
