# mmsim: the user's interface to the build. CMake + CTest underneath.
#   make          release build of build/mmsim
#   make run      build, then the built-in demo
#   make test     build, then every test (release build and an ASan+UBSan build)
#   make debug    build with the invariant checker on (build-debug/mmsim)
#   make bench    build, then the micro-benchmarks
#   make stress / make fuzz   long runs, kept out of make test
JOBS ?= 2
CMAKE ?= cmake

.PHONY: all run test debug bench stress fuzz clean deps

all: deps
	@$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@$(CMAKE) --build build -j$(JOBS)

# Installs what the build needs (a line-editing library) when it is missing.
deps:
	@sh scripts/install-deps.sh

run: all
	./build/mmsim demo

test: all
	@$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMMSIM_SANITIZE=ON -DMMSIM_DEBUG=ON >/dev/null
	@$(CMAKE) --build build-asan -j$(JOBS)
	cd build && ctest --output-on-failure -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j$(JOBS)

debug: deps
	@$(CMAKE) -S . -B build-debug -DCMAKE_BUILD_TYPE=Debug -DMMSIM_DEBUG=ON >/dev/null
	@$(CMAKE) --build build-debug -j$(JOBS)

bench: all
	./build/mmsim bench

stress: all
	sh tests/stress/run.sh ./build

fuzz: all
	sh tests/fuzz/run.sh

clean:
	rm -rf build build-asan build-debug
