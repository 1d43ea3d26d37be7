# Incident Radar — the README's commands. Everything installs into .venv from pinned versions.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install browser up demo test eval train bench chaos setup status clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[embedded,airflow,test]"
	touch $(STAMP)

browser:             ## Debian's Chromium + ChromeDriver for the browser tests (root; CI runs it via .ci/run)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

up: install          ## the embedded stack on configs/feeds.yaml until Ctrl-C
	$(BIN)/radar up

demo: install        ## the same, offline, on the bundled demo feeds
	$(BIN)/radar up --demo

test: install        ## the whole suite (starts and stops its own local servers)
	$(BIN)/python -m pytest

eval: install        ## enrichment quality: dev set + public geoparsing corpora
	$(BIN)/radar eval all

train: install       ## rebuild the learned event model from corpus/events (deterministic, offline)
	$(BIN)/radar train

bench: install       ## end-to-end and enrich-only throughput on generated articles
	$(BIN)/python bench/pipeline_bench.py
	$(BIN)/python bench/fetch_bench.py

chaos: install       ## reliability: faults against the embedded stack (CHAOS_ARGS=--quick for a few minutes)
	$(BIN)/python bench/chaos.py $(CHAOS_ARGS)

status: install
	$(BIN)/radar status

clean:
	rm -rf data
