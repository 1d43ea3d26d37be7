"""Incident Radar: news feeds -> Kafka -> enrichment -> Elasticsearch -> search and alerts."""

import os

__version__ = "0.1.0"

# One BLAS thread per process: workers scale out as processes (one per core), so BLAS threads would
# only compete with the other workers for the same cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
