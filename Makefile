# mediadex — build, demo, test and benchmark from a fresh Debian machine.
# Each target installs the Debian packages it needs when they are missing.

SHELL := /bin/bash
CARGO ?= cargo
DEMO_DIR ?= demo-library
DEMO_FILES ?= 48

DEB_BUILD := pkg-config libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
	gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
	gstreamer1.0-plugins-ugly gstreamer1.0-libav libasound2-dev
# ffmpeg and python3: the differential test writes its corpus with ffmpeg
# (scripts/gen-ffmpeg-corpus.sh, which patches one file with python3) and
# checks against ffprobe; mkvtoolnix: one file of that corpus is remuxed by
# mkvmerge, as most real MKVs are.
DEB_TEST := gstreamer1.0-tools alsa-utils sqlite3 strace bsdutils python3-venv ffmpeg python3 chromium-headless-shell mkvtoolnix
DEB_BENCH := mediainfo libimage-exiftool-perl hyperfine sqlite3 time jq strace

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

TRUTH_DIR ?= bench-out/truth-corpus

.PHONY: all build deps-build deps-test deps-bench demo test test-core torture lint bench truth clean-bench man screenshot

all: build

# Install Debian packages only when one of them is missing.
define apt_ensure
	@if ! dpkg -s $(1) >/dev/null 2>&1; then \
		echo "installing Debian packages: $(1)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(1) >/dev/null; \
	fi
endef

deps-build:
	$(call apt_ensure,$(DEB_BUILD))
	@pkg-config --exists gstreamer-1.0 gstreamer-pbutils-1.0 gstreamer-video-1.0 alsa || \
		{ echo "GStreamer/ALSA development files still missing after install" >&2; exit 1; }

deps-test: deps-build
	$(call apt_ensure,$(DEB_TEST))

deps-bench: deps-test
	$(call apt_ensure,$(DEB_BENCH))

build: deps-build
	$(CARGO) build --release --locked

# A small real library (GStreamer test sources, many codecs/containers), scanned
# into the default catalog, then summarised.
demo: build deps-test
	scripts/gen-corpus.sh $(DEMO_DIR) $(DEMO_FILES)
	./target/release/mediadex scan $(DEMO_DIR); rc=$$?; [ $$rc = 0 ] || [ $$rc = 3 ]
	./target/release/mediadex query "SELECT container, video_codec, audio_codec, count(*) AS files, round(sum(duration_s), 1) AS seconds FROM media WHERE status = 'ok' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
	@if ./target/release/mediadex report --list >/dev/null 2>&1; then ./target/release/mediadex report; fi

# The picture of the export's page in the README and docs/reports.md, from
# the demo library in a catalog of its own (fingerprinted, so that its
# duplicates show with their pictures), so that it shows what the page is.
SHOT_DB := target/screenshot/catalog.db
screenshot: build deps-test
	scripts/gen-corpus.sh $(DEMO_DIR) $(DEMO_FILES)
	rm -rf target/screenshot && mkdir -p target/screenshot
	./target/release/mediadex --db $(SHOT_DB) scan $(DEMO_DIR); rc=$$?; [ $$rc = 0 ] || [ $$rc = 3 ]
	./target/release/mediadex --db $(SHOT_DB) fingerprint; rc=$$?; [ $$rc = 0 ] || [ $$rc = 3 ]
	./target/release/mediadex --db $(SHOT_DB) export --out target/screenshot/export
	chromium-headless-shell --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1900 \
		--screenshot=$(CURDIR)/docs/page.png file://$(CURDIR)/target/screenshot/export/index.html

lint: deps-build
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

# The man page, from the same clap definition as the parser.
man: build
	mkdir -p target/man
	./target/release/mediadex __man > target/man/mediadex.1
	@echo "target/man/mediadex.1 (read it with: man -l target/man/mediadex.1)"

test: deps-test
	$(CARGO) test --locked

# The fast tier: mediadex-core alone, which builds and tests without GStreamer,
# cpal or ALSA installed (seconds once built).
test-core:
	$(CARGO) test --locked -p mediadex-core

# Hostile input, bounded: mutated media (18 copies of each small fixture,
# about 1,060 files) scanned, fingerprinted and verified, hostile dumps
# loaded, scan/fingerprint/verify/export killed with SIGKILL at random
# moments and run again, damaged catalogs, writing SQL given to `query`; a
# table of the cases, and a failing exit when any fails. About ten minutes
# on two cores, most of it the kills (each verb run whole, killed six times
# and finished). Not part of `make test`.
torture: build deps-test
	timeout 1200 python3 scripts/torture.py

bench: build deps-bench
	bench/bench.sh
	@if [ -x bench/reports.sh ]; then bench/reports.sh; fi
	BENCH_SKIP_BUILD=1 bench/bytes.sh
	bench/fingerprint.sh
	bench/fingerprint-real.sh
	bench/verify.sh
	$(MAKE) --no-print-directory truth

# Agreement with ffprobe per field class, mediadex beside MediaInfo, on the
# ffmpeg-made corpus of the differential test (tests/suite/truth.rs).
truth: build deps-bench
	scripts/gen-ffmpeg-corpus.sh $(TRUTH_DIR)
	set -o pipefail; $(CARGO) run --release --locked --example truth -- \
		--mediadex target/release/mediadex --details bench-out/truth-details.txt $(TRUTH_DIR) \
		| tee bench-out/truth.md

clean-bench:
	rm -rf bench-out
