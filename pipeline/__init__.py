"""Incident Radar: news feeds -> Kafka -> enrichment -> Elasticsearch -> search and alerts."""

import os

__version__ = "0.1.0"

# One BLAS thread per process: workers scale out as processes (one per core), and multi-threaded
# BLAS sums in a varying order, which made the spaCy models' outputs differ from run to run.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
