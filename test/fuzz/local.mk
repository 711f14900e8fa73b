# test/fuzz/: libFuzzer harnesses.  `make check` replays every committed
# corpus input (seeds and past crashes) through each harness with the
# normal compiler; `make fuzz` builds them with clang -fsanitize=fuzzer and
# fuzzes each for FUZZ_SECONDS (default 30).
FUZZ_HARNESSES = csrconf pkcs7 csrattrs retry-after www-auth est-url
FUZZ_REPLAY = \
	test/fuzz/replay-csrconf test/fuzz/replay-pkcs7 test/fuzz/replay-csrattrs \
	test/fuzz/replay-retry-after test/fuzz/replay-www-auth test/fuzz/replay-est-url
check_PROGRAMS += $(FUZZ_REPLAY)
FUZZ_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(CURL_CFLAGS)
FUZZ_LDADD = lib/libhwe.la
test_fuzz_replay_csrconf_SOURCES = test/fuzz/replay.c test/fuzz/fuzz-csrconf.c
test_fuzz_replay_csrconf_CFLAGS = $(FUZZ_CFLAGS)
test_fuzz_replay_csrconf_LDADD = $(FUZZ_LDADD)
test_fuzz_replay_pkcs7_SOURCES = test/fuzz/replay.c test/fuzz/fuzz-pkcs7.c
test_fuzz_replay_pkcs7_CFLAGS = $(FUZZ_CFLAGS)
test_fuzz_replay_pkcs7_LDADD = $(FUZZ_LDADD)
test_fuzz_replay_csrattrs_SOURCES = test/fuzz/replay.c test/fuzz/fuzz-csrattrs.c
test_fuzz_replay_csrattrs_CFLAGS = $(FUZZ_CFLAGS)
test_fuzz_replay_csrattrs_LDADD = $(FUZZ_LDADD)
test_fuzz_replay_retry_after_SOURCES = test/fuzz/replay.c test/fuzz/fuzz-retry-after.c
test_fuzz_replay_retry_after_CFLAGS = $(FUZZ_CFLAGS)
test_fuzz_replay_retry_after_LDADD = $(FUZZ_LDADD)
test_fuzz_replay_www_auth_SOURCES = test/fuzz/replay.c test/fuzz/fuzz-www-auth.c
test_fuzz_replay_www_auth_CFLAGS = $(FUZZ_CFLAGS)
test_fuzz_replay_www_auth_LDADD = $(FUZZ_LDADD)
test_fuzz_replay_est_url_SOURCES = test/fuzz/replay.c test/fuzz/fuzz-est-url.c
test_fuzz_replay_est_url_CFLAGS = $(FUZZ_CFLAGS)
test_fuzz_replay_est_url_LDADD = $(FUZZ_LDADD)
TESTS += test/fuzz/replay-corpora.sh
EXTRA_DIST += test/fuzz/replay-corpora.sh test/fuzz/run-fuzz.sh test/fuzz/corpus

FUZZ_SECONDS = 30
fuzz: lib/libhwe.la
	HWE_TOP_BUILDDIR='$(abs_top_builddir)' $(SHELL) $(srcdir)/test/fuzz/run-fuzz.sh $(FUZZ_SECONDS)
.PHONY: fuzz
