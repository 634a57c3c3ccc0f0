# Two commands do all set-up on a fresh Debian machine:
#   make run    installs missing system packages, builds asl-lab (release) and runs the pipeline
#   make test   installs missing system packages, builds optimised tests and runs them
# As root the packages are installed with apt-get; otherwise the exact command is printed.

SWIFT        ?= swift
APT_PACKAGES := pkg-config zlib1g-dev libcairo2-dev libpng-dev libopenblas-dev fonts-dejavu-core chromium
# Only the tests need these: a one-node Slurm (scripts/slurm-local.sh) that `run --slurm` submits to.
TEST_APT_PACKAGES := slurmctld slurmd munge slurm-client
# What `system-packages` installs: the test target adds its own (a target-specific value, which
# its prerequisites see).
PACKAGES      = $(APT_PACKAGES)
# Numeric tests are slow unoptimised: tests are built in release mode with testing enabled.
TEST_FLAGS   := -c release -Xswiftc -enable-testing
RUN_ARGS     ?=

.PHONY: run test build system-packages bench clean templates fuzz

run: system-packages build
	.build/release/asl-lab run $(RUN_ARGS)

# The test build also checks that every module imports only the modules it declares.
test: PACKAGES = $(APT_PACKAGES) $(TEST_APT_PACKAGES)
test: system-packages
	$(SWIFT) build $(TEST_FLAGS) --build-tests --explicit-target-dependency-import-check error
	$(SWIFT) test $(TEST_FLAGS) --skip-build

build:
	$(SWIFT) build -c release --product asl-lab

bench: system-packages build
	.build/release/asl-lab bench generate

system-packages:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
	  echo "Installing system packages:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	else \
	  echo "Missing system packages:$$missing"; \
	  echo "Install them with:  sudo apt-get update && sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi

# The report's built-in templates are Swift copies of Templates/; refresh them after an edit.
templates:
	Templates/embed.sh

clean:
	rm -rf .build

# A longer fuzzing session than the one `make test` runs (seed 1, 1500 inputs a parser):
#   make fuzz SEED=7 RUNS=20000
SEED ?= 1
RUNS ?= 10000
fuzz: system-packages
	$(SWIFT) build -c release --product asl-fuzz
	.build/release/asl-fuzz --seed $(SEED) --runs $(RUNS) --out .build/fuzz
