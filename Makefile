# kokorod — the two commands a newcomer needs (as root on Debian 12):
#   make run    build, fetch the model/voices/ONNX Runtime, run the daemon
#   make test   the same set-up, then the whole test suite
# Everything fetched lives outside the repo: assets in $(DATA_DIR), downloads in
# $(CACHE_DIR), the Python test clients' venv in $(VENV).

SHELL := /bin/bash
CARGO ?= cargo
DATA_DIR ?= $(or $(KOKOROD_DATA_DIR),$(or $(XDG_DATA_HOME),$(HOME)/.local/share)/kokorod)
CACHE_DIR ?= $(or $(KOKOROD_CACHE_DIR),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/kokorod)
VENV ?= $(CACHE_DIR)/venv
export KOKOROD_DATA_DIR := $(DATA_DIR)
export KOKOROD_CACHE_DIR := $(CACHE_DIR)

# Debian packages: build (clang for bindgen, espeak-ng for G2P, the IPA dictionary's
# sources for Japanese, libmp3lame and libopus for the HTTP API's encoders), asset
# clients (pip, npm), test tools (venv, sox, ffmpeg to decode every HTTP format); mDNS
# (Avahi's client library to build; a private D-Bus, the libraries of the unpacked
# avahi-daemon, iproute2 and unshare for the namespace test); packaging and its tests
# (dpkg-dev, lintian, systemd-analyze, python3-seccomp for the MemoryDenyWriteExecute test);
# haproxy for the test of two daemons behind it (its own service is disabled: the test
# starts it); Chromium and its WebDriver for the web page's browser test.
DEB_PACKAGES := build-essential pkg-config clang libclang-dev libespeak-ng-dev espeak-ng-data mecab-ipadic \
                libmp3lame-dev libopus-dev espeak-ng \
                python3 python3-pip python3-venv sox ffmpeg ca-certificates \
                libavahi-client-dev libavahi-core7 libdaemon0 libcap2 libexpat1 dbus-daemon iproute2 util-linux \
                systemd python3-seccomp dpkg-dev lintian haproxy \
                chromium chromium-driver
# Python packages the tests drive kokorod with: real clients nobody here wrote.
PY_TEST_PACKAGES := wyoming==1.10.2 pocketsphinx==5.1.1 numpy==2.4.6 zeroconf==0.154.0 openai==3.57.0 prometheus_client==0.26.0 selenium==4.50.0
# avahi-daemon for the mDNS test, unpacked (never installed: an installed one starts
# and announces this host on the real network; the test runs it in a namespace).
AVAHI_DIR := $(CACHE_DIR)/avahi-daemon
export AVAHI_DAEMON := $(AVAHI_DIR)/usr/sbin/avahi-daemon

.PHONY: run test deps fetch build venv avahi deb bench check-toolchain clean-assets fuzz fuzz-smoke cargo-fuzz load lint lint-tools

run: deps build
	$(MAKE) --no-print-directory fetch PROFILE=release
	./target/release/kokorod

# One dev build serves the fetch, clippy and the tests: clippy-driver compiles our own
# crates (RUSTC_WORKSPACE_WRAPPER, as `cargo clippy` does) while building them for real,
# so the lints cost no second build of the dependencies; -Dwarnings fails the build on
# any warning, clippy's included. The same flags for every step, so nothing builds twice.
# The fetch runs the binary that build made: `cargo run` would compile the crate again,
# without the features the dev-dependencies turn on in shared ones (hyper's client).
LINTED_BUILD := RUSTC_WORKSPACE_WRAPPER="$$(command -v clippy-driver)" RUSTFLAGS=-Dwarnings
test: deps venv avahi lint-tools
	$(CARGO) fmt --all --check
	$(LINTED_BUILD) $(CARGO) test --all-targets --no-run
	$(TARGET_DIR)/debug/kokorod fetch --data-dir "$(DATA_DIR)" --cache-dir "$(CACHE_DIR)"
	$(LINTED_BUILD) WYOMING_PYTHON=$(VENV)/bin/python KOKOROD_PYTHON=$(VENV)/bin/python $(CARGO) test --all-targets -- --test-threads=2

deps: check-toolchain
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if ! command -v npm >/dev/null; then missing="$$missing npm"; fi; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then echo "run as root (or install:$$missing)"; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		if echo "$$missing" | grep -qw haproxy; then systemctl disable --now haproxy >/dev/null 2>&1 || true; fi; \
	fi

check-toolchain:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust 1.88 or newer (rustup)"; exit 1; }

build:
	$(CARGO) build --release

# Idempotent: verified files are kept, partial or corrupt ones replaced.
# PROFILE picks the build the fetch runs from (release, as `run` builds it), so that the
# crate is not compiled twice.
PROFILE ?= release
fetch:
	$(CARGO) run --profile $(PROFILE) --quiet -- fetch --data-dir "$(DATA_DIR)" --cache-dir "$(CACHE_DIR)"

# kokorod beside wyoming-piper, measured by wyoming-bench; writes docs/PERFORMANCE.md.
bench: deps build
	$(MAKE) --no-print-directory fetch PROFILE=release
	REPORT=docs/PERFORMANCE.md IDLE=$${IDLE:-60} bench/wyoming.sh

venv:
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	@$(VENV)/bin/python -c 'import wyoming, pocketsphinx, numpy, zeroconf, openai, prometheus_client, selenium' 2>/dev/null || $(VENV)/bin/pip install -q --disable-pip-version-check $(PY_TEST_PACKAGES)

avahi:
	@test -x $(AVAHI_DAEMON) || { mkdir -p $(AVAHI_DIR) && cd $(AVAHI_DIR) && { apt-get download avahi-daemon || { apt-get update -qq && apt-get download avahi-daemon; }; } && dpkg-deb -x avahi-daemon_*.deb . ; }

# The Debian packages kokorod and kokorod-model-int8 (in target/debian), from the
# release build and the fetched, verified assets. See packaging/build-deb.sh.
deb: deps build
	$(MAKE) --no-print-directory fetch PROFILE=release
	packaging/build-deb.sh "$(or $(CARGO_TARGET_DIR),target)/release/kokorod" "$(DATA_DIR)" target/debian

clean-assets:
	rm -rf "$(DATA_DIR)" "$(CACHE_DIR)"

# Fuzzing (docs/RELIABILITY.md). cargo-fuzz wants nightly flags; RUSTC_BOOTSTRAP=1 lets the
# stable toolchain accept them. No sanitizer (our parsers are safe Rust: panics, overflow
# checks via -a, stack overflows and timeouts are what libFuzzer catches here). Builds go
# to fuzz/target, a build of their own (about 8 minutes on 2 cores), so `make test` runs
# the same checks (fuzz/checks) over the seeds and mutations of them on the test build
# instead (tests/fake/fuzz_seeds.rs). `make fuzz FUZZ_SECONDS=600` runs each target that
# long, `make fuzz-smoke` 20 s each. New corpus entries go to fuzz/corpus (not committed);
# the committed seeds are in fuzz/seeds.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := wyoming_codec normalize ssml voice_mix config audio_decode
# Also in fuzz/, slower per input: make fuzz FUZZ_TARGETS="plan http_guard espeak"
FUZZ := env -u CARGO_TARGET_DIR RUSTC_BOOTSTRAP=1 cargo fuzz

cargo-fuzz: check-toolchain
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked

fuzz: cargo-fuzz
	cd fuzz && $(FUZZ) build -s none -a
	@cd fuzz && for t in $(FUZZ_TARGETS); do \
		mkdir -p corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ) run -s none -a $$t corpus/$$t seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
			| grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==[0-9]+==|SUMMARY|thread .* panicked|Test unit written)' ; \
		test $${PIPESTATUS[0]} -eq 0 || { echo "fuzz: $$t found a crash (fuzz/artifacts/$$t)"; exit 1; }; \
	done

# Style by machine: formatting and clippy's lints, warnings as errors (`make test`
# checks the same during its build).
lint: lint-tools
	$(CARGO) fmt --all --check
	$(CARGO) clippy --all-targets -- -D warnings

lint-tools: check-toolchain
	@$(CARGO) fmt --version >/dev/null 2>&1 && command -v clippy-driver >/dev/null || \
		{ command -v rustup >/dev/null && rustup component add rustfmt clippy; }

fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20

# Load (docs/RELIABILITY.md): a fresh release daemon per run, 10 then 50 clients.
LOAD_REQUESTS ?= 1000
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
load: deps build
	$(MAKE) --no-print-directory fetch PROFILE=release
	$(CARGO) build --release --example kokorod_load
	$(TARGET_DIR)/release/examples/kokorod_load --spawn $(TARGET_DIR)/release/kokorod --clients 10 --requests $(LOAD_REQUESTS)
	$(TARGET_DIR)/release/examples/kokorod_load --spawn $(TARGET_DIR)/release/kokorod --clients 50 --requests $(LOAD_REQUESTS)
