# cc24 — thin wrapper around Meson. `make run` and `make check` do all set-up.
BUILD ?= build
CC24 = $(BUILD)/cc24

.PHONY: all deps build run check bench fuzz fmt clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Embedded default: SQLite in data/, demo data when the database is empty.
run: build
	@mkdir -p data
	CC24_DEMO=1 $(CC24) serve

check:
	@bash scripts/check.sh

bench: build
	bash bench/run-all.sh

fuzz:
	FUZZ_SECONDS=300 bash scripts/fuzz.sh

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz build-release
