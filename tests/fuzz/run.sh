#!/bin/sh
# make fuzz: coverage-guided fuzzing of the scenario language with libFuzzer
# (clang). FUZZ_SECONDS (default 300) bounds the run; crashes land in
# build-fuzz/crash-*.
set -e
cd "$(dirname "$0")/../.."
mkdir -p build-fuzz/corpus
cp tests/fuzz/corpus/* build-fuzz/corpus/
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DMMSIM_SANITIZE=ON \
	-DMMSIM_FUZZ=ON >/dev/null
cmake --build build-fuzz -j2 --target fuzz_scenario
cd build-fuzz && ./fuzz_scenario -max_total_time="${FUZZ_SECONDS:-300}" -max_len=4096 corpus
