# bench: what one enrollment costs (issue 6); not part of make check.
#   make bench                      run, print the table
#   make bench BENCH_WRITE=1        ... and update bench/RESULTS.md in the source tree
#   make bench BENCH_N=10 BENCH_THROUGHPUT=50 BENCH_ARGS='--skip tpm'
# Needs python3, openssl, curl and a C compiler; the TPM rows swtpm,
# tpm2-tools and libtss2-tcti-pcap0; the PKCS#11 rows softhsm2 and opensc
# (pkcs11-spy).  A missing backend leaves its rows marked "not available".
BENCH_N = 30
BENCH_THROUGHPUT = 200
BENCH_PARALLEL = 1,2,4,8
BENCH_ARGS =
BENCH_WRITE =
PYTHON3 = python3

bench: src/hwenroll$(EXEEXT) test/estserver/hwe-estserver$(EXEEXT) providers/pkcs11/hwenroll-pkcs11.la
	@w=; if test -n "$(BENCH_WRITE)"; then w="--write $(abs_top_srcdir)/bench/RESULTS.md"; fi; \
	cmd="make bench BENCH_N=$(BENCH_N) BENCH_THROUGHPUT=$(BENCH_THROUGHPUT) BENCH_PARALLEL=$(BENCH_PARALLEL)"; \
	if test -n "$(BENCH_ARGS)"; then cmd="$$cmd BENCH_ARGS='$(BENCH_ARGS)'"; fi; \
	BENCH_CMDLINE="$$cmd" CC='$(CC)' $(PYTHON3) $(abs_top_srcdir)/bench/bench.py \
		--builddir '$(abs_top_builddir)' --srcdir '$(abs_top_srcdir)' \
		-n $(BENCH_N) --throughput $(BENCH_THROUGHPUT) --parallel $(BENCH_PARALLEL) \
		$$w $(BENCH_ARGS)

.PHONY: bench
EXTRA_DIST += bench/bench.py bench/runner.c bench/nodelay.c bench/RESULTS.md
